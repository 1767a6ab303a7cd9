import pytest
import torch

from mmseg_al.evaluation import PerClassIoUMetric


def sample(gt, pred):
    return dict(gt_sem_seg=dict(data=torch.tensor([gt])),
                pred_sem_seg=dict(data=torch.tensor([pred])))


def test_both_miou_definitions_on_a_val_set_missing_one_class():
    metric = PerClassIoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=('a', 'b', 'c', 'd'))
    # Class d is in no label, and predicted only on an ignored (255) pixel.
    metric.process({}, [sample([[0, 0, 1, 1]], [[0, 1, 1, 1]]),
                        sample([[0, 2, 2, 255]], [[0, 2, 0, 3]])])
    metrics = metric.compute_metrics(metric.results)
    # a: intersection 2, union 3 + 3 - 2 = 4; b: 2 / 3; c: 1 / 2; d: undefined (0 / 0).
    assert [metrics[f'IoU.{c}'] for c in 'abcd'] == [50.0, 66.67, 50.0, None]
    # MMSeg skips d: (50 + 66.67 + 50) / 3; the study counts it as 0: (...) / 4.
    assert metrics['mIoU'] == pytest.approx(55.56)
    assert metrics['mIoU_all_classes'] == pytest.approx(41.67)


def test_definitions_agree_when_every_class_occurs():
    metric = PerClassIoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=('a', 'b'))
    metric.process({}, [sample([[0, 1, 1]], [[0, 0, 1]])])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['mIoU'] == metrics['mIoU_all_classes'] == pytest.approx((50 + 50) / 2)
