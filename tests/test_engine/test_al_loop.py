"""End-to-end runs of tools/al_train.py on a tiny digit-scene tree."""
import gc
import glob
import json
import os
import os.path as osp
import sys

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmseg_al.acquisition.entropy import EntropyAcquisition
from mmseg_al.engine.environment import cpu_model
from mmseg_al.registry import HOOKS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO_ROOT, 'tests/data/configs/entropy_digits_crashable.py')
pytestmark = pytest.mark.slow


class Interrupted(Exception):
    """Stands for a killed process."""


# Where CrashHook raises: (cycle, iteration), or None. Set by a test, read by the hook.
CRASH_AT = {'train': None}


@HOOKS.register_module(force=True)
class CrashHook(Hook):
    """Raises once at ``CRASH_AT['train']``; present in every run so the config is the same."""

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        where = CRASH_AT['train']
        if where and runner.work_dir.endswith(f'cycle_{where[0]}') and runner.iter == where[1]:
            CRASH_AT['train'] = None
            raise Interrupted()


@pytest.fixture(scope='module')
def options(tiny_al_options, tiny_scenes):
    return tiny_al_options(tiny_scenes)


@pytest.fixture(scope='module')
def resume_options(tiny_al_options, tiny_scenes):
    """With a dataloader worker, so that a resumed run repeats the reference exactly."""
    return tiny_al_options(tiny_scenes, num_workers=1)


def run(al_train, work_dir, options, *extra, config=CONFIG):
    al_train([config, '--work-dir', str(work_dir), *extra, '--cfg-options', *options])
    with open(osp.join(work_dir, 'results.json')) as f:
        return json.load(f)


def labeled_state(work_dir):
    with open(osp.join(work_dir, 'al_state.json')) as f:
        return json.load(f)['labeled']


@pytest.fixture(scope='module')
def reference(al_train, resume_options, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('reference')
    return work_dir, run(al_train, work_dir, resume_options)


def test_two_cycles_write_the_documented_work_dir(reference):
    work_dir, results = reference
    assert [c['num_labeled'] for c in results['cycles']] == [6, 12]
    assert [c['percent_labeled'] for c in results['cycles']] == [10.0, 20.0]
    assert results['method'] == 'EntropyAcquisition' and results['seed'] == 0
    assert results['num_cycles'] == 1  # two cycles evaluated: the run is finished
    assert set(results['cycles'][0]['per_class_iou']) == {'background', *map(str, range(10))}
    for cycle in results['cycles']:  # the study's mIoU: absent classes count as 0
        per_class = cycle['per_class_iou'].values()
        assert cycle['mIoU_all_classes'] == pytest.approx(
            sum(v or 0 for v in per_class) / len(per_class), abs=0.01)
    assert set(results['auc']) == set(results['miou_at']) == {'30', '50'}
    added = [open(osp.join(work_dir, f'cycle_{k}', 'labeled.txt')).read().split()
             for k in (0, 1)]
    selection = json.load(open(osp.join(work_dir, 'cycle_0', 'selection.json')))
    assert added[1] == sorted(selection['ids'], key=added[1].index) and len(added[1]) == 6
    assert not set(added[0]) & set(added[1])
    state = labeled_state(work_dir)
    assert {s for s, c in state.items() if c == 1} == set(selection['ids'])
    # Entropy picks the highest scores among the unlabeled images.
    scores = selection['scores']
    assert min(scores[s] for s in selection['ids']) >= max(
        v for s, v in scores.items() if s not in selection['ids'])
    assert osp.isfile(osp.join(work_dir, 'miou_curve.png'))
    # Each cycle says where it trained: runs repeat bit for bit only on one kind of CPU.
    for cycle in results['cycles']:
        environment = cycle['environment']
        assert environment['cpu'] == cpu_model()
        assert environment['cpu_capability'] == torch.backends.cpu.get_cpu_capability()
        assert environment['packages']['torch'] == torch.__version__
    assert not [f for f in os.listdir(osp.join(work_dir, 'cycle_0')) if f.endswith('.pth')]
    assert [f for f in os.listdir(osp.join(work_dir, 'cycle_1')) if f.endswith('.pth')]


def test_each_cycle_logs_into_its_own_files(reference):
    """mmengine shares a logger and a visualizer between runners of one name; the cycles
    of a tiny run start within a second of each other, under mmengine's default names."""
    work_dir, _ = reference
    for k in (0, 1):
        [log] = glob.glob(osp.join(work_dir, f'cycle_{k}', '*', '*.log'))
        assert 'Iter(train) [4/4]' in open(log).read()
        [scalars] = glob.glob(osp.join(work_dir, f'cycle_{k}', '*', 'vis_data', 'scalars.json'))
        assert sum('"loss"' in line for line in open(scalars)) == 4


def test_rerun_of_a_finished_experiment_changes_nothing(al_train, reference, resume_options):
    work_dir, results = reference
    before = open(osp.join(work_dir, 'al_state.json')).read()
    assert run(al_train, work_dir, resume_options) == results
    assert open(osp.join(work_dir, 'al_state.json')).read() == before
    assert gc.get_freeze_count() == 0  # the run hands back what it kept out of collections


@pytest.mark.parametrize('phase', ['train', 'eval', 'acquire'])
def test_resume_after_interruption_matches_uninterrupted(phase, al_train, reference,
                                                         resume_options, tmp_path, monkeypatch):
    ref_dir, ref_results = reference
    if phase == 'train':
        CRASH_AT['train'] = (1, 3)  # after the checkpoint at iteration 2 of cycle 1
    else:
        target = (Runner, 'val') if phase == 'eval' else (EntropyAcquisition, 'score_batch')
        original = getattr(*target)

        def crash_once(*args, **kwargs):
            monkeypatch.setattr(*target, original)
            raise Interrupted()

        monkeypatch.setattr(*target, crash_once)
    with pytest.raises(Interrupted):
        run(al_train, tmp_path, resume_options)
    assert CRASH_AT['train'] is None
    results = run(al_train, tmp_path, resume_options)
    assert labeled_state(tmp_path) == labeled_state(ref_dir)
    assert [c['mIoU'] for c in results['cycles']] == [c['mIoU'] for c in ref_results['cycles']]
    assert results['cycles'] == ref_results['cycles']


def test_second_mmseg_model_drops_in(al_train, options, tmp_path):
    config = osp.join(REPO_ROOT, 'tests/data/configs/entropy_fcn_digits.py')
    results = run(al_train, tmp_path, options, config=config)
    assert [c['num_labeled'] for c in results['cycles']] == [6, 12]
    assert 'FCNHead' in open(next(
        osp.join(tmp_path, 'cycle_0', f) for f in os.listdir(osp.join(tmp_path, 'cycle_0'))
        if f.endswith('.py'))).read()


def expect_exit(al_train, argv, *fragments):
    with pytest.raises(SystemExit) as exc:
        al_train(argv)
    message = str(exc.value.code)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_budget_larger_than_pool(al_train, options, tmp_path):
    options = options + ['active_learning.num_cycles=20']
    expect_exit(al_train, [CONFIG, '--work-dir', str(tmp_path), '--cfg-options', *options],
                'budget is larger than the pool', 'has 60')
    assert not osp.exists(tmp_path / 'al_state.json')


def test_unknown_acquisition(al_train, options, tmp_path):
    options = options + ['active_learning.acquisition.type=Entropi']
    expect_exit(al_train, [CONFIG, '--work-dir', str(tmp_path), '--cfg-options', *options],
                "Unknown acquisition 'Entropi'", 'EntropyAcquisition')


def test_corrupt_state_is_reported_and_kept(al_train, options, tmp_path):
    (tmp_path / 'al_state.json').write_text('{"version": 1, "lab')
    expect_exit(al_train, [CONFIG, '--work-dir', str(tmp_path), '--cfg-options', *options],
                'corrupt', '--restart')
    assert (tmp_path / 'al_state.json').read_text() == '{"version": 1, "lab'


def test_changed_config_is_not_resumed_silently(al_train, reference, resume_options):
    work_dir, _ = reference
    options = resume_options + ['train_cfg.max_iters=5']
    expect_exit(al_train, [CONFIG, '--work-dir', str(work_dir), '--cfg-options', *options],
                'another config or seed', '--restart')


def test_restart_keeps_the_old_run(al_train, options, tmp_path):
    work_dir = tmp_path / 'run'
    work_dir.mkdir()
    (work_dir / 'al_state.json').write_text('garbage')
    run(al_train, work_dir, options, '--restart')
    backups = [p for p in tmp_path.iterdir() if p.name.startswith('run.old-')]
    assert len(backups) == 1 and (backups[0] / 'al_state.json').read_text() == 'garbage'


def test_dataset_not_prepared(al_train, tmp_path):
    missing = tmp_path / 'cityscapes'
    options = [f'train_dataloader.dataset.data_root={missing}', 'train_dataloader.dataset.type='
               'CityscapesDataset', f'val_dataloader.dataset.data_root={missing}',
               'val_dataloader.dataset.type=CityscapesDataset']
    expect_exit(al_train, [CONFIG, '--work-dir', str(tmp_path / 'w'), '--cfg-options', *options],
                str(missing), 'README section')


def test_finetune_starts_each_cycle_from_the_previous_weights(al_train, options, tmp_path):
    run(al_train, tmp_path, options + ['active_learning.training=finetune'])
    state = json.load(open(tmp_path / 'al_state.json'))
    cycle0_checkpoint = state['cycles']['0']['checkpoint']
    logs = [osp.join(root, f) for root, _, files in os.walk(tmp_path / 'cycle_1')
            for f in files if f.endswith('.log')]
    assert any(f'Load checkpoint from {cycle0_checkpoint}' in open(log).read() for log in logs)


def test_epochs_per_cycle_trains_each_cycle_for_its_labeled_count(al_train, options, tmp_path):
    run(al_train, tmp_path, options + ['active_learning.epochs_per_cycle=2'])
    state = json.load(open(tmp_path / 'al_state.json'))
    # 6, then 12 labeled images at batch 2: 2 epochs are 6, then 12 iterations.
    assert [osp.basename(state['cycles'][k]['checkpoint']) for k in ('0', '1')] == [
        'iter_6.pth', 'iter_12.pth']


def test_channels_last_switch_trains_in_that_layout(al_train, options, tmp_path):
    run(al_train, tmp_path, options + ['channels_last=True'])
    state = json.load(open(tmp_path / 'al_state.json'))
    weights = torch.load(state['cycles']['1']['checkpoint'], weights_only=False)['state_dict']
    conv = weights['backbone.stem.0.weight']
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()


# The weights each cycle starts training from, by cycle dir name; set by StartWeightsHook.
START_WEIGHTS = {}


@HOOKS.register_module(force=True)
class StartWeightsHook(Hook):
    """Keeps a copy of the weights after every other ``before_train`` (loads, resets)."""
    priority = 'LOWEST'

    def before_train(self, runner):
        START_WEIGHTS[osp.basename(runner.work_dir)] = {
            key: value.clone() for key, value in runner.model.state_dict().items()}


def test_reset_backbone_starts_from_the_pretrained_backbone_and_the_last_decoder(
        al_train, options, tmp_path):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmseg_al.registry import MODELS
    backbone_cfg = Config.fromfile(CONFIG).model.backbone
    backbone_cfg.norm_cfg.type = 'BN'  # as on the CPU (SyncBN has the same weights)
    torch.manual_seed(123)
    with DefaultScope.overwrite_default_scope('mmseg_al'):
        pretrained = MODELS.build(backbone_cfg).state_dict()
    torch.save(pretrained, tmp_path / 'pretrained.pth')
    config = tmp_path / 'reset_backbone.py'
    config.write_text(
        f'_base_ = [{CONFIG!r}]\n'
        f"model = dict(backbone=dict(init_cfg=dict(type='Pretrained', "
        f"checkpoint={str(tmp_path / 'pretrained.pth')!r})))\n"
        "custom_hooks = [dict(type='StartWeightsHook')]\n")
    work_dir = tmp_path / 'work'
    run(al_train, work_dir, options + ['active_learning.training=reset_backbone',
                                       'active_learning.keep_checkpoints=all'],
        config=str(config))
    state = json.load(open(work_dir / 'al_state.json'))
    cycle0_end = torch.load(state['cycles']['0']['checkpoint'], weights_only=False)['state_dict']
    for cycle in ('cycle_0', 'cycle_1'):
        start = START_WEIGHTS[cycle]
        assert all(torch.equal(start[f'backbone.{k}'], v) for k, v in pretrained.items()), cycle
    start = START_WEIGHTS['cycle_1']
    decoder = [key for key in start if not key.startswith('backbone.')]
    assert decoder and all(torch.equal(start[key], cycle0_end[key]) for key in decoder)
    # Cycle 0 did train the backbone, so the reset is visible.
    assert not all(torch.equal(cycle0_end[f'backbone.{k}'], v) for k, v in pretrained.items())


def test_reset_backbone_without_pretrained_weights_is_refused(al_train, options, tmp_path):
    expect_exit(al_train, [CONFIG, '--work-dir', str(tmp_path), '--cfg-options', *options,
                           'active_learning.training=reset_backbone'],
                "training='reset_backbone'", 'backbone (ResNetV1c) has no Pretrained init_cfg')
    assert not osp.exists(tmp_path / 'al_state.json')


def test_torchrun_launch_runs_the_cycles(tiny_al_options, tiny_scenes, tmp_path):
    """tools/dist_al_train.sh with 2 gloo processes: both train, rank 0 writes the state."""
    import subprocess
    options = tiny_al_options(tiny_scenes)
    # The script runs `python`, as MMSeg's do: the test's interpreter comes first on PATH,
    # whether or not its virtual environment was activated.
    env = dict(os.environ, OMP_NUM_THREADS='1', PORT='29517',
               PATH=os.pathsep.join([osp.dirname(sys.executable), os.environ['PATH']]))
    subprocess.run(['bash', osp.join(REPO_ROOT, 'tools/dist_al_train.sh'),
                    osp.join(REPO_ROOT, 'configs/al/entropy_digits_pool11f.py'), '2',
                    '--work-dir', str(tmp_path), '--cfg-options', *options],
                   check=True, env=env, timeout=300, cwd=REPO_ROOT)
    results = json.load(open(tmp_path / 'results.json'))
    assert [c['num_labeled'] for c in results['cycles']] == [6, 12]
    assert len(labeled_state(tmp_path)) == 12
    assert len(open(tmp_path / 'cycle_1' / 'labeled.txt').read().split()) == 6


def test_a_train_phase_killed_between_checkpoints_resumes_from_what_is_on_disk(tmp_path):
    from mmseg_al.engine.al_loop import resume_point
    assert resume_point(str(tmp_path)) is None  # never saved: train afresh
    for step in (2, 10):
        torch.save({'meta': {'iter': step}}, tmp_path / f'iter_{step}.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    assert resume_point(str(tmp_path)) == str(tmp_path / 'iter_2.pth')  # as mmengine names it
    # The file it names is gone (removed before the next was written, then killed):
    (tmp_path / 'iter_2.pth').unlink()
    assert resume_point(str(tmp_path)) == str(tmp_path / 'iter_10.pth')  # newest left, not 2
    # Killed while writing iter_20: the newest file is cut short and cannot be loaded.
    torch.save({'meta': {'iter': 20}, 'pad': torch.zeros(1000)}, tmp_path / 'iter_20.pth')
    whole = (tmp_path / 'iter_20.pth').read_bytes()
    (tmp_path / 'iter_20.pth').write_bytes(whole[:len(whole) // 2])
    with pytest.raises(RuntimeError):
        torch.load(tmp_path / 'iter_20.pth')
    assert resume_point(str(tmp_path)) == str(tmp_path / 'iter_10.pth')
    (tmp_path / 'iter_10.pth').unlink()
    assert resume_point(str(tmp_path)) is None  # only the cut-short one left: train afresh
