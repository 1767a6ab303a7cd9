"""The cached loading transforms give mmcv's / mmseg's arrays, decoding each file once."""
import mmcv
import numpy as np
from mmengine.registry import init_default_scope

from mmseg_al.registry import DATASETS, TRANSFORMS


def _infos(tiny_scenes, label_map=None):
    init_default_scope('mmseg_al')
    dataset = DATASETS.build(dict(
        type='DigitScenesDataset', data_root=tiny_scenes, ann_file='train.txt',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=[]))
    infos = [dataset.get_data_info(i) for i in range(3)]
    for info in infos:
        info['label_map'] = label_map
    return infos


def test_cached_loading_repeats_the_uncached_arrays_and_decodes_once(tiny_scenes, monkeypatch):
    decoded = []
    imfrombytes = mmcv.imfrombytes
    monkeypatch.setattr(mmcv, 'imfrombytes',
                        lambda *args, **kwargs: decoded.append(1) or imfrombytes(*args, **kwargs))
    label_map = {0: 0, 1: 5, 5: 1}  # remapped once, at the first read
    pairs = [('LoadImageFromFile', 'CachedLoadImageFromFile', 'img'),
             ('LoadAnnotations', 'CachedLoadAnnotations', 'gt_seg_map')]
    for plain_type, cached_type, key in pairs:
        plain, cached = TRANSFORMS.build(dict(type=plain_type)), TRANSFORMS.build(
            dict(type=cached_type))
        expected = [plain(dict(info))[key] for info in _infos(tiny_scenes, label_map)]
        decoded.clear()
        for _ in range(3):
            for info, want in zip(_infos(tiny_scenes, label_map), expected):
                results = cached(dict(info))
                assert results[key].dtype == want.dtype and np.array_equal(results[key], want)
                if key == 'gt_seg_map':
                    assert results['seg_fields'] == ['gt_seg_map']
                else:
                    assert results['img_shape'] == results['ori_shape'] == want.shape[:2]
                results[key][...] = 0  # the pipeline may write into it: the cache is a copy
        assert len(decoded) == 3, cached_type  # one decode per file
