from mmseg_al.annotation.batch import read_batch, write_batch
from mmseg_al.annotation.cvat import read_segmentation_mask, write_segmentation_mask_zip
from mmseg_al.annotation.label_studio import (brush_results, labeling_config,
                                              read_label_studio_export)
from mmseg_al.annotation.masks import (IGNORE_INDEX, AnnotationError, ReadMask,
                                       read_index_masks, write_index_masks)
from mmseg_al.annotation.returned_masks import FORMATS, read_masks, validate_masks

__all__ = ['AnnotationError', 'FORMATS', 'IGNORE_INDEX', 'ReadMask', 'brush_results',
           'labeling_config', 'read_batch', 'read_index_masks', 'read_label_studio_export',
           'read_masks', 'read_segmentation_mask', 'validate_masks', 'write_batch',
           'write_index_masks', 'write_segmentation_mask_zip']
