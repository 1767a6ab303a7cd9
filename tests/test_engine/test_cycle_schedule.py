"""A cycle's iterations from its epochs, and the schedule stretched to them."""
import pytest
from mmengine.config import Config

from mmseg_al.config_error import ConfigError
from mmseg_al.engine.cycle_schedule import check_stretchable, cycle_iterations, fit_schedule


def test_iterations_are_epochs_times_labeled_over_the_global_batch_rounded_up():
    # The authors' A2D2 numbers: 100 epochs, batch 8, 10 % and 50 % of a 2,640-image pool.
    assert cycle_iterations(100, 264, 8) == 3300
    assert cycle_iterations(100, 1320, 8) == 16500
    assert cycle_iterations(100, 264, 8, world_size=2) == 1650  # the same epochs on 2 GPUs
    assert cycle_iterations(1, 9, 8) == 2  # the last partial batch trains too
    assert cycle_iterations(0.1, 80, 8) == 1  # one tenth, not the binary float's 1.0000...01
    assert cycle_iterations(0.01, 3, 8) == 1  # never 0


def _cycle_cfg(param_scheduler, max_iters=1000, logger_interval=50):
    return Config(dict(
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        param_scheduler=param_scheduler,
        default_hooks=dict(logger=dict(type='LoggerHook', interval=logger_interval),
                           checkpoint=dict(type='CheckpointHook', interval=500))))


def test_poly_decay_ends_with_the_cycle():
    cfg = fit_schedule(_cycle_cfg([dict(type='PolyLR', power=0.9, begin=0, end=10000,
                                        by_epoch=False)], max_iters=10000), 3300)
    assert cfg.train_cfg.max_iters == 3300
    assert (cfg.param_scheduler[0].begin, cfg.param_scheduler[0].end) == (0, 3300)


def test_every_iteration_count_keeps_its_share_of_the_cycle():
    cfg = fit_schedule(_cycle_cfg([
        dict(type='LinearLR', begin=0, end=100, by_epoch=False),
        dict(type='CosineAnnealingLR', T_max=900, begin=100, end=1000, by_epoch=False),
        dict(type='MultiStepLR', milestones=[500, 750], by_epoch=False),
    ]), 250)
    warmup, cosine, steps = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, 25)
    assert (cosine.T_max, cosine.begin, cosine.end) == (225, 25, 250)
    assert steps.milestones == [125, 188]
    # The logger still logs in a short cycle; the checkpoint interval is left alone
    # (mmengine saves the last iteration whatever it is).
    short = fit_schedule(_cycle_cfg([dict(type='OneCycleLR', total_steps=1000,
                                          by_epoch=False)]), 12)
    assert short.param_scheduler[0].total_steps == 12
    assert short.default_hooks.logger.interval == 12
    assert short.default_hooks.checkpoint.interval == 500


def test_a_tiny_cycle_keeps_every_scheduler_at_least_one_iteration_long():
    cfg = fit_schedule(_cycle_cfg([dict(type='LinearLR', begin=0, end=10, by_epoch=False),
                                   dict(type='PolyLR', begin=10, end=1000, by_epoch=False)]), 3)
    warmup, poly = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, 1)
    assert (poly.begin, poly.end) == (0, 3)


def test_per_optimiser_schedules_are_stretched_too():
    cfg = fit_schedule(_cycle_cfg(dict(
        segmentor=[dict(type='PolyLR', end=1000, by_epoch=False)],
        discriminator=dict(type='PolyLR', end=1000, by_epoch=False))), 100)
    assert cfg.param_scheduler.segmentor[0].end == 100
    assert cfg.param_scheduler.discriminator.end == 100


def test_a_schedule_that_counts_epochs_is_refused():
    with pytest.raises(ConfigError, match='by_epoch=False'):
        check_stretchable(_cycle_cfg([dict(type='PolyLR', end=1000)]))  # mmengine: by epoch
    cfg = _cycle_cfg([])
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
    with pytest.raises(ConfigError, match='IterBasedTrainLoop'):
        check_stretchable(cfg)
    check_stretchable(_cycle_cfg([dict(type='PolyLR', end=1000, by_epoch=False)]))
