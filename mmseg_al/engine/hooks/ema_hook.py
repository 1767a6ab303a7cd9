"""Keep a teacher network the exponential moving average of its student."""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmseg_al.registry import HOOKS


@HOOKS.register_module()
class EMATeacherHook(Hook):
    """After every training iteration: ``teacher = (1 - m) * teacher + m * student``.

    ``m = max(momentum, 1 / (iter - start_iter + 1))``, U2PL's ramp (its decay is
    ``min(1 - 1 / (iter - start + 1), 0.99)``): early on the teacher is the plain
    running mean of the student's iterates, later an EMA with the fixed momentum.
    Before ``start_iter`` (a supervised-only warm-up) the teacher is a copy of the
    student, so the average never includes the untrained first iterates. Floating
    point buffers (BatchNorm statistics) are averaged the same way and integer
    buffers copied, because the teacher runs in eval mode and never updates its
    own statistics. The iteration comes from the runner, so a resumed run continues
    the exact schedule (the teacher itself is part of the model's checkpoint).

    Args:
        momentum (float): the final weight of the student. Defaults to 0.01 (U2PL).
        interval (int): update every ``interval`` iterations. Defaults to 1.
        start_iter (int): iteration at which averaging starts. Defaults to 0.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, momentum=0.01, interval=1, start_iter=0):
        if not 0 < momentum <= 1:
            raise ValueError(f'momentum must be in (0, 1], got {momentum}.')
        self.momentum = momentum
        self.interval = interval
        self.start_iter = start_iter

    @staticmethod
    def _model(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not (hasattr(model, 'teacher') and hasattr(model, 'student')):
            raise AttributeError(f'EMATeacherHook needs a model with "teacher" and "student" '
                                 f'submodules, got {type(model).__name__}.')
        return model

    def before_train(self, runner):
        self._model(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if (runner.iter + 1) % self.interval:
            return
        model = self._model(runner)
        steps = max(runner.iter - self.start_iter, 0)
        ema_update(model.teacher, model.student, max(self.momentum, 1.0 / (steps + 1)))


@torch.no_grad()
def ema_update(teacher, student, momentum):
    """In place: ``teacher <- (1 - momentum) * teacher + momentum * student``.

    Args:
        teacher (nn.Module): updated in place; same architecture as ``student``.
        student (nn.Module): the trained network.
        momentum (float): weight of the student, in (0, 1].
    """
    for t, s in zip(teacher.parameters(), student.parameters()):
        t.mul_(1 - momentum).add_(s.detach(), alpha=momentum)
    for t, s in zip(teacher.buffers(), student.buffers()):
        if t.is_floating_point():
            t.mul_(1 - momentum).add_(s, alpha=momentum)
        else:
            t.copy_(s)
