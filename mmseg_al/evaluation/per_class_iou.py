"""IoUMetric that also returns per-class IoU, which results.json and the analysis need."""
import math

from mmseg.evaluation import IoUMetric

from mmseg_al.registry import METRICS

PER_CLASS_PREFIX = 'IoU.'


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """MMSeg's IoUMetric plus ``IoU.<class>`` keys (percent; None where undefined)."""

    def compute_metrics(self, results):
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        totals = [sum(column) for column in zip(*results)]
        per_class = self.total_area_to_metrics(*totals, ['mIoU'], self.nan_to_num)['IoU']
        for name, iou in zip(self.dataset_meta['classes'], per_class.tolist()):
            metrics[PER_CLASS_PREFIX + name] = None if math.isnan(iou) else round(iou * 100, 2)
        return metrics
