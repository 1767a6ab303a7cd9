import pytest

from mmseg_al.datasets.pools import read_pool


def test_consecutive_pool_cli(tiny_scenes, tool):
    tool('make_pools').main([tiny_scenes, '--kind', 'consecutive', '--num-seeds', '3',
                             '--consecutive', '5', '--out', 'pools/cli_5f.txt'])
    ids = read_pool(f'{tiny_scenes}/pools/cli_5f.txt')
    assert len(ids) == 18 and all(i.startswith('train_') for i in ids)


def test_every_kth_cli(tiny_scenes, tool):
    tool('make_pools').main([tiny_scenes, '--kind', 'every-kth', '--k', '5',
                             '--out', 'pools/cli_u5.txt'])
    assert len(read_pool(f'{tiny_scenes}/pools/cli_u5.txt')) == 6 * 2


def test_missing_arguments_and_manifest_are_reported(tiny_scenes, tool, tmp_path):
    with pytest.raises(SystemExit, match='needs --num-seeds'):
        tool('make_pools').main([tiny_scenes, '--kind', 'consecutive', '--out', 'x.txt'])
    with pytest.raises(SystemExit, match='No manifest'):
        tool('make_pools').main([str(tmp_path), '--kind', 'uniform', '--size', '3',
                                 '--out', 'x.txt'])
