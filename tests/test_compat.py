import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging.history_buffer import HistoryBuffer

from mmseg_al import compat


def test_compiled_mmcv_op_raises_a_clear_error():
    from mmcv.ops import nms
    boxes = torch.tensor([[0., 0., 1., 1.]])
    with pytest.raises(compat.CompiledOpUnavailableError, match='full mmcv with compiled ops'):
        nms(boxes, torch.tensor([1.0]), 0.5)


def test_mmseg_models_import_and_build_without_compiled_ops():
    from mmseg_al.registry import MODELS
    head = MODELS.build(dict(type='FCNHead', in_channels=8, channels=4, num_classes=3))
    assert head([torch.zeros(1, 8, 4, 4)]).shape == (1, 3, 4, 4)


def test_resume_checkpoint_objects_load_with_weights_only(tmp_path):
    buffer = HistoryBuffer()
    buffer.update(1.5)
    path = tmp_path / 'ckpt.pth'
    torch.save({'meta': {'buffer': buffer, 'arr': np.arange(3, dtype=np.int64),
                         'scalar': np.float64(2.0)}}, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['meta']['buffer'].current() == 1.5
    assert loaded['meta']['arr'].tolist() == [0, 1, 2] and loaded['meta']['scalar'] == 2.0


def test_cfg_adapted_for_cpu():
    if torch.cuda.is_available():
        pytest.skip('only CPU machines are adapted')
    cfg = Config(dict(model=dict(backbone=dict(norm_cfg=dict(type='SyncBN')),
                                 heads=[dict(norm_cfg=dict(type='SyncBN'))])))
    compat.adapt_cfg_to_device(cfg, launcher='pytorch')
    assert cfg.model.backbone.norm_cfg.type == 'BN' and cfg.model.heads[0].norm_cfg.type == 'BN'
    assert cfg.model_wrapper_cfg.device_ids is None
    single = Config(dict(model=dict(norm_cfg=dict(type='SyncBN'))))
    compat.adapt_cfg_to_device(single, launcher='none')
    assert 'model_wrapper_cfg' not in single


def test_config_formatting_is_memoized_and_unchanged():
    from yapf.yapflib.yapf_api import FormatCode
    cfg = Config(dict(model=dict(type='M', layers=[1, 2, 3]), work_dir='a'))
    formatted = cfg.pretty_text
    from mmengine.config import config as config_module
    hits = config_module.FormatCode.cache_info().hits
    assert cfg.pretty_text == formatted
    assert config_module.FormatCode.cache_info().hits == hits + 1
    # The same text as yapf gives without the cache, and a changed config is formatted anew.
    unformatted = Config(cfg.to_dict(), format_python_code=False).pretty_text
    assert formatted == FormatCode(unformatted, style_config=dict(
        based_on_style='pep8', blank_line_before_nested_class_or_def=True,
        split_before_expression_after_opening_paren=True))[0]
    cfg.work_dir = 'b'
    assert "work_dir = 'b'" in cfg.pretty_text


def test_mmseg_scope_configs_load_without_pkg_resources(tmp_path):
    """``_base_ = ['mmseg::...']`` finds mmseg's shipped configs (mmengine 0.10.7 asks
    pkg_resources, which current setuptools no longer ships)."""
    import mmseg
    config = tmp_path / 'segformer.py'
    config.write_text("_base_ = ['mmseg::_base_/models/segformer_mit-b0.py']\n"
                      'model = dict(decode_head=dict(num_classes=11))\n')
    cfg = Config.fromfile(str(config))
    assert cfg.model.backbone.type == 'MixVisionTransformer'
    assert cfg.model.decode_head.num_classes == 11 and cfg.model.decode_head.channels == 256
    assert compat.get_installed_path('mmsegmentation') == os.path.dirname(mmseg.__file__)


def test_package_lookup_answers_as_mmengine_does(tmp_path, monkeypatch):
    assert compat.is_installed('mmsegmentation') and compat.is_installed('mmcv-lite')
    assert not compat.is_installed('mmdet') and not compat.is_installed('no-such-package')
    with pytest.raises(ModuleNotFoundError, match='mmdet is not installed'):
        Config.fromfile(str(_write(tmp_path / 'det.py', "_base_ = ['mmdet::_base_/x.py']\n")))
    # A module found on the path, with no distribution, counts too (e.g. via PYTHONPATH).
    _write(tmp_path / 'onpath' / 'localpkg' / '__init__.py', '')
    monkeypatch.syspath_prepend(str(tmp_path / 'onpath'))
    assert compat.is_installed('localpkg')
    assert compat.get_installed_path('localpkg') == str(tmp_path / 'onpath' / 'localpkg')


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
