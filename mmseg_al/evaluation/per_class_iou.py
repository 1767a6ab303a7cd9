"""IoUMetric that also returns per-class IoU and the study's all-classes mIoU."""
import math

import numpy as np
from mmseg.evaluation import IoUMetric

from mmseg_al.registry import METRICS

PER_CLASS_PREFIX = 'IoU.'
ALL_CLASSES_MIOU = 'mIoU_all_classes'


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """MMSeg's IoUMetric plus ``IoU.<class>`` keys and ``mIoU_all_classes`` (percent).

    Two mIoU definitions, side by side: ``mIoU`` is MMSeg's, the mean over the
    classes whose IoU is defined (a class neither in the labels nor predicted
    anywhere in the val set is skipped); ``mIoU_all_classes`` is the study's
    (its ``utils/metric.py``), the sum of IoUs over *all* classes divided by
    their number, so such a class counts as 0. They agree when every class
    occurs. ``IoU.<class>`` is None where undefined.
    """

    def compute_metrics(self, results):
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        totals = [sum(column) for column in zip(*results)]
        per_class = self.total_area_to_metrics(*totals, ['mIoU'], self.nan_to_num)['IoU']
        for name, iou in zip(self.dataset_meta['classes'], per_class.tolist()):
            metrics[PER_CLASS_PREFIX + name] = None if math.isnan(iou) else round(iou * 100, 2)
        # Rounded as MMSeg rounds its mIoU.
        metrics[ALL_CLASSES_MIOU] = float(np.round(np.nansum(per_class) / len(per_class) * 100,
                                                   2))
        return metrics
