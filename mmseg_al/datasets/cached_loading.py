"""Loading transforms that decode each file once and keep the decoded array.

A cycle trains about 1,000 batches on a few hundred labeled digit scenes, so every
frame and mask is read and PNG-decoded 6 to 30 times; the decoding was the largest
cost of the training step beyond the model (2 ms of a 35 ms step, 2 cores). These
transforms decode a file the first time and hand out copies afterwards (the rest of
the pipeline may change an array in place), so the results are bit for bit those of
mmcv's ``LoadImageFromFile`` and mmseg's ``LoadAnnotations``. The cache lives in the
transform, i.e. one training dataloader (worker) of one cycle, and holds every file
it has read: the digit pool is about 50 MB, A2D2's 40,135 frames would be 31 GB, so
only small datasets use them (``configs/_base_/datasets/digit_scenes.py``).
"""
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations

from mmseg_al.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CachedLoadImageFromFile(LoadImageFromFile):
    """``LoadImageFromFile`` that decodes each ``img_path`` once (same arguments)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._decoded = {}

    def transform(self, results):
        cached = self._decoded.get(results['img_path'])
        if cached is None:
            results = super().transform(results)
            if results is not None:  # None: an unreadable file with ignore_empty=True
                self._decoded[results['img_path']] = results['img'].copy()
            return results
        results['img'] = cached.copy()
        results['img_shape'] = results['ori_shape'] = cached.shape[:2]
        return results


@TRANSFORMS.register_module()
class CachedLoadAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` that decodes each ``seg_map_path`` once.

    What is kept is the map after ``reduce_zero_label`` and ``label_map``, which are
    the dataset's, the same for every read of a file.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._decoded = {}

    def _load_seg_map(self, results):
        cached = self._decoded.get(results['seg_map_path'])
        if cached is None:
            super()._load_seg_map(results)
            self._decoded[results['seg_map_path']] = results['gt_seg_map'].copy()
            return
        results['gt_seg_map'] = cached.copy()
        results['seg_fields'].append('gt_seg_map')
