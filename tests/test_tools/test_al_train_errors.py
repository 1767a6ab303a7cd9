"""Bad inputs stop tools/al_train.py before any training, as one ``error:`` line."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmseg_al.config_error import ConfigError

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _error_line(al_train, argv):
    with pytest.raises(SystemExit) as exc:
        al_train(argv)
    message = str(exc.value.code)
    assert message.startswith('error: ') and '\n' not in message, message
    return message


def test_missing_wrn38_checkpoint_stops_before_anything_runs(al_train, tiny_al_options,
                                                             tiny_scenes, tmp_path):
    # The WRN-38 model on the (prepared) digit scenes: preparation passes, the checkpoint
    # check (which runs after preparation, since preparation makes the digit backbone's
    # own weights) refuses the missing ImageNet weights.
    config = tmp_path / 'entropy_wrn38_digits.py'
    bases = ['configs/_base_/models/deeplabv3plus_wrn38.py',
             'configs/_base_/datasets/digit_scenes_pool11f.py',
             'configs/_base_/schedules/schedule_wrn38_10k.py',
             'configs/_base_/default_runtime.py', 'configs/_base_/al/entropy.py']
    config.write_text(f'_base_ = {[osp.join(REPO_ROOT, b) for b in bases]!r}\n')
    missing = str(tmp_path / 'wrn38_imagenet.pth')
    work_dir = tmp_path / 'work'
    message = _error_line(al_train, [
        str(config), '--work-dir', str(work_dir), '--cfg-options',
        *tiny_al_options(tiny_scenes), f'model.backbone.init_cfg.checkpoint={missing}'])
    assert f'WideResNet38: pretrained checkpoint "{missing}" not found' in message
    assert f'python tools/convert_wrn38.py wider_resnet38.pth.tar {missing}' in message
    assert not work_dir.exists()


@pytest.mark.parametrize('model, refused', [
    # EncoderDecoder hands `pretrained` to its backbone, which says how to make the file.
    (dict(type='EncoderDecoder', pretrained='MISSING', backbone=dict(type='WideResNet38')),
     'WideResNet38: pretrained checkpoint "MISSING" not found. Convert'),
    (dict(type='EncoderDecoder', pretrained='MISSING',
          backbone=dict(type='WideResNet38', allow_random_init=True)), None),
    (dict(type='EncoderDecoder', backbone=dict(
        type='ResNetV1c', init_cfg=dict(type='Pretrained', checkpoint='MISSING'))),
     'ResNetV1c: pretrained checkpoint "MISSING" not found.'),
    (dict(type='EncoderDecoder', backbone=dict(
        type='ResNetV1c', init_cfg=dict(type='Pretrained', checkpoint='EXISTS'))), None),
    (dict(type='EncoderDecoder', backbone=dict(type='ResNetV1c', init_cfg=dict(
        type='Pretrained', checkpoint='open-mmlab://resnet18_v1c'))), None),  # mmengine's
])
def test_pretrained_checkpoints_are_checked_wherever_the_config_names_them(
        model, refused, tool, tmp_path):
    check = tool('al_train').check_pretrained_checkpoints
    (tmp_path / 'EXISTS').touch()
    names = {'MISSING': str(tmp_path / 'missing.pth'), 'EXISTS': str(tmp_path / 'EXISTS')}

    def resolve(node):
        if isinstance(node, dict):
            return {k: resolve(v) for k, v in node.items()}
        return names.get(node, node)

    if refused is None:
        check([resolve(model), None])
    else:
        with pytest.raises(ConfigError) as error:
            check([resolve(model), None])
        assert str(error.value).startswith(refused.replace('MISSING', names['MISSING']))


@pytest.mark.slow
def test_s4gan_under_torchrun_is_one_error_line(tiny_al_options, tiny_scenes, tmp_path):
    """s4GAN steps two optimisers and cannot train under DDP: rank 0 says so, once."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PORT='29523',
               PATH=os.pathsep.join([osp.dirname(sys.executable), os.environ['PATH']]))
    result = subprocess.run(
        ['bash', osp.join(REPO_ROOT, 'tools/dist_al_train.sh'),
         osp.join(REPO_ROOT, 'configs/al/entropy_ssl_digits_pool11f.py'), '2',
         '--work-dir', str(tmp_path), '--cfg-options', *tiny_al_options(tiny_scenes)],
        capture_output=True, text=True, env=env, timeout=300, cwd=REPO_ROOT)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    errors = [line for line in output.splitlines() if line.startswith('error: ')]
    assert errors == ['error: S4GANSegmentor trains in a single process; run the -SSL '
                      'experiment without torchrun, or use U2PLSegmentor, which trains under DDP.']
    # No rank's traceback (torchrun's own failure report names no frame of ours).
    assert 'al_train.py", line' not in output and 'Error: S4GAN' not in output
    assert not list(tmp_path.glob('cycle_0/*.pth'))


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU-only refusal of --amp')
def test_amp_without_a_gpu_stops_before_anything_runs(al_train, tiny_al_options, tiny_scenes,
                                                      tmp_path):
    config = osp.join(REPO_ROOT, 'configs/al/entropy_digits_pool11f.py')
    work_dir = tmp_path / 'work'
    message = _error_line(al_train, [config, '--work-dir', str(work_dir), '--amp',
                                     '--cfg-options', *tiny_al_options(tiny_scenes)])
    assert message == ('error: mixed precision (--amp, AmpOptimWrapper) needs a CUDA, NPU or '
                       'MLU device, and this machine has cpu only; run without --amp.')
    assert not work_dir.exists()
    # A config that asks for AmpOptimWrapper itself is refused the same way.
    message = _error_line(al_train, [config, '--work-dir', str(work_dir), '--cfg-options',
                                     *tiny_al_options(tiny_scenes),
                                     'optim_wrapper.type=AmpOptimWrapper'])
    assert 'needs a CUDA, NPU or MLU device' in message


@pytest.mark.parametrize('wrapper, expected', [
    ('OptimWrapper', dict(type='AmpOptimWrapper', loss_scale='dynamic')),
    ('AmpOptimWrapper', dict(type='AmpOptimWrapper')),  # already on: left as it is
])
def test_amp_switches_the_optim_wrapper_as_mmseg_does(wrapper, expected, tool):
    from mmengine.config import Config
    cfg = Config(dict(optim_wrapper=dict(type=wrapper, optimizer=dict(type='SGD', lr=0.1))))
    tool('al_train').enable_amp(cfg)
    assert {k: v for k, v in cfg.optim_wrapper.items() if k != 'optimizer'} == expected
    with pytest.raises(ConfigError, match='this config uses ApexOptimWrapper'):
        tool('al_train').enable_amp(Config(dict(optim_wrapper=dict(type='ApexOptimWrapper'))))
