from mmseg_al.evaluation.budget_metrics import (auc_at_budget, budget_summary,
                                               mean_std_over_seeds, miou_at_budget)
from mmseg_al.evaluation.per_class_iou import PerClassIoUMetric

__all__ = ['PerClassIoUMetric', 'auc_at_budget', 'budget_summary', 'mean_std_over_seeds',
           'miou_at_budget']
