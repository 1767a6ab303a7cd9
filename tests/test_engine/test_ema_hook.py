from types import SimpleNamespace

import pytest
import torch
from torch import nn

from mmseg_al.engine.hooks import EMATeacherHook


class StudentTeacher(nn.Module):

    def __init__(self):
        super().__init__()
        self.student = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
        self.teacher = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def fake_runner(model, iteration):
    return SimpleNamespace(model=model, iter=iteration)


def snapshot(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


@pytest.mark.parametrize('iteration, expected_momentum', [(0, 1.0), (3, 0.25), (500, 0.01)])
def test_update_is_the_exact_ema_with_ramp(iteration, expected_momentum):
    model = StudentTeacher()
    with torch.no_grad():
        model.student[1].running_mean.fill_(2.0)
        model.student[1].num_batches_tracked.fill_(7)
    student, teacher = snapshot(model.student), snapshot(model.teacher)
    EMATeacherHook(momentum=0.01).after_train_iter(fake_runner(model, iteration), 0)
    for key, value in model.teacher.state_dict().items():
        if value.is_floating_point():
            expected = (1 - expected_momentum) * teacher[key] + expected_momentum * student[key]
            torch.testing.assert_close(value, expected, rtol=0, atol=1e-7)
        else:
            assert torch.equal(value, student[key])
    assert all(torch.equal(v, student[k]) for k, v in model.student.state_dict().items())


def test_interval_skips_iterations():
    model = StudentTeacher()
    teacher = snapshot(model.teacher)
    EMATeacherHook(interval=2).after_train_iter(fake_runner(model, 0), 0)  # iteration 1 of 2
    assert all(torch.equal(v, teacher[k]) for k, v in model.teacher.state_dict().items())


def test_model_without_teacher_is_rejected():
    with pytest.raises(AttributeError, match='teacher'):
        EMATeacherHook().before_train(fake_runner(nn.Linear(2, 2), 0))


def test_bad_momentum_is_rejected():
    with pytest.raises(ValueError, match='momentum'):
        EMATeacherHook(momentum=0)


@pytest.mark.parametrize('iteration, expected_momentum', [(4, 1.0), (10, 1.0), (13, 0.25)])
def test_teacher_copies_the_student_until_start_iter(iteration, expected_momentum):
    model = StudentTeacher()
    student, teacher = snapshot(model.student), snapshot(model.teacher)
    EMATeacherHook(momentum=0.01, start_iter=10).after_train_iter(
        fake_runner(model, iteration), 0)
    for key, value in model.teacher.state_dict().items():
        if value.is_floating_point():
            expected = (1 - expected_momentum) * teacher[key] + expected_momentum * student[key]
            torch.testing.assert_close(value, expected, rtol=0, atol=1e-7)
