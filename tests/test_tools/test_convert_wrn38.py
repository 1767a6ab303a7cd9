"""tools/convert_wrn38.py on checkpoints built here in the public key layout."""
import importlib.util
import os.path as osp

import pytest
import torch

from mmseg_al.models.backbones import WideResNet38

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    'convert_wrn38', osp.join(REPO, 'tools', 'convert_wrn38.py'))
convert_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert_tool)

# The public WiderResNetA2-38: (block conv channels, number of blocks) of mod2 ... mod7.
PUBLIC_MODULES = [((128, 128), 3), ((256, 256), 3), ((512, 512), 6), ((512, 1024), 3),
                  ((512, 1024, 2048), 1), ((1024, 2048, 4096), 1)]
# How releases name the norm of `bn1`: Sequential(BN, ReLU), or older mapillary ones.
NORM_STYLES = {'sequential': '{}.0.', 'plain': '{}.', 'named': '{}.bn.'}


def _public_layout(norm_style='sequential'):
    """(public key, backbone key or None if dropped, shape) of the public checkpoint."""
    norm = NORM_STYLES[norm_style]
    entries = [('module.mod1.conv1.weight', 'mod1.conv1.weight', (64, 3, 3, 3))]

    def add_norm(public_prefix, our_prefix, channels):
        for stat in ('weight', 'bias', 'running_mean', 'running_var'):
            entries.append((public_prefix + stat, our_prefix and our_prefix + stat, (channels,)))

    cin = 64
    for mod, (channels, blocks) in enumerate(PUBLIC_MODULES, start=2):
        for block in range(1, blocks + 1):
            public, ours = f'module.mod{mod}.block{block}.', f'mod{mod}.block{block}.'
            add_norm(public + norm.format('bn1'), ours + 'bn1.', cin)
            if len(channels) == 2:
                kernels, widths = (3, 3), (cin, channels[0])
            else:
                kernels, widths = (1, 3, 1), (cin, channels[0], channels[1])
            for i, (kernel, width_in, width_out) in enumerate(zip(kernels, widths, channels), 1):
                if i > 1:
                    add_norm(public + 'convs.' + norm.format(f'bn{i}'), ours + f'bn{i}.', width_in)
                entries.append((public + f'convs.conv{i}.weight', ours + f'conv{i}.weight',
                                (width_out, width_in, kernel, kernel)))
            if cin != channels[-1]:
                entries.append((public + 'proj_conv.weight', ours + 'proj_conv.weight',
                                (channels[-1], cin, 1, 1)))
            cin = channels[-1]
    add_norm('module.' + norm.format('bn_out'), None, 4096)
    entries += [('module.classifier.fc.weight', None, (1000, 4096)),
                ('module.classifier.fc.bias', None, (1000,))]
    return entries


def _public_state_dict(norm_style='sequential', device='meta'):
    """Each tensor is filled with its key's position, so any mix-up shows."""
    return {key: torch.full(shape, float(i), device=device)
            for i, (key, _, shape) in enumerate(_public_layout(norm_style))}


def test_public_layout_has_the_published_key_count():
    assert len(_public_layout()) == 193


@pytest.mark.parametrize('norm_style', sorted(NORM_STYLES))
def test_every_key_maps_and_only_the_classifier_is_dropped(norm_style):
    source = _public_state_dict(norm_style)
    converted, dropped = convert_tool.convert_wrn38(source)
    expected_dropped = [key for key, ours, _ in _public_layout(norm_style) if ours is None]
    assert sorted(dropped) == sorted(expected_dropped) and len(dropped) == 6
    for key, ours, _ in _public_layout(norm_style):
        if ours is not None:
            assert converted[ours] is source[key]
    with torch.device('meta'):
        WideResNet38().load_state_dict(converted, strict=True, assign=True)


def test_round_trip_through_files(tmp_path, capsys):
    src, dst = str(tmp_path / 'wider_resnet38.pth.tar'), str(tmp_path / 'out' / 'wrn38.pth')
    source = _public_state_dict(device='cpu')
    torch.save(dict(state_dict=source, epoch=90), src)
    convert_tool.main([src, dst])
    report = capsys.readouterr().out
    assert 'Dropped 6 keys' in report and 'module.classifier.fc.weight' in report
    assert '105,062,720 parameters' in report

    state_dict = torch.load(dst, weights_only=True)['state_dict']
    with torch.device('meta'):
        backbone = WideResNet38()
    backbone.load_state_dict(state_dict, strict=True, assign=True)
    loaded = backbone.state_dict()
    for key, ours, _ in _public_layout():
        if ours is not None:
            assert torch.equal(loaded[ours], source[key]), (key, ours)
    batch_counters = [k for k in loaded if k.endswith('num_batches_tracked')]
    assert len(batch_counters) == 36  # one per norm layer of the trunk
    assert all(loaded[k].item() == 0 for k in batch_counters)


@pytest.mark.parametrize('corrupt, message', [
    (lambda sd: sd.pop('module.mod4.block6.convs.conv2.weight'), '1 missing keys'),
    (lambda sd: sd.update({'module.mod8.block1.convs.conv1.weight': torch.empty(1)}), '1 unknown'),
    (lambda sd: sd.update({'module.mod1.conv1.weight': torch.empty(64, 4, 3, 3)}),
     'shape mismatch'),
])
def test_rejects_checkpoints_of_other_networks(corrupt, message):
    source = _public_state_dict()
    corrupt(source)
    with pytest.raises(ValueError, match=message):
        convert_tool.convert_wrn38(source)


def _error_line(argv):
    with pytest.raises(SystemExit) as exc:
        convert_tool.main(argv)
    message = str(exc.value.code)
    assert message.startswith('error: ') and '\n' not in message
    return message


def test_missing_source_file_is_one_error_line(tmp_path):
    missing = str(tmp_path / 'nope.pth.tar')
    message = _error_line([missing, str(tmp_path / 'out.pth')])
    assert missing in message and 'wider_resnet38.pth.tar' in message
    assert not (tmp_path / 'out.pth').exists()


def test_checkpoint_of_another_network_is_one_error_line(tmp_path):
    src = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'module.conv.weight': torch.zeros(1)}), src)
    message = _error_line([src, str(tmp_path / 'out.pth')])
    assert 'not a public WRN-38' in message
    assert "unknown keys (after renaming) ['conv.weight']" in message
