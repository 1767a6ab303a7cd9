import os.path as osp
import sys

import numpy as np
import torch

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_acquisition'))
from tiny_segmentor import build_tiny_model, make_context  # noqa: E402

from mmseg_al.acquisition.coreset import CoresetAcquisition  # noqa: E402
from mmseg_al.engine.acquire import save_pool_features  # noqa: E402


def test_saved_pool_features_are_the_space_coreset_covers(tmp_path):
    """The t-SNE of a run shows the features Coreset selects in: same layer, same rows."""
    model = build_tiny_model()
    ctx = make_context(model, num_unlabeled=5, num_labeled=3)
    for loader in (ctx.unlabeled_loader, ctx.labeled_loader):
        ids = loader.dataset.ids
        loader.dataset.get_data_info = lambda i, ids=ids: dict(sequence=ids[i][:5])
    path = tmp_path / 'pool_features.npz'
    save_pool_features(ctx, 'decode_head.bottleneck', str(path))
    saved = np.load(path)
    coreset = CoresetAcquisition()
    expected = torch.cat([coreset.pooled_features(model, ctx.unlabeled_loader, 5, 'x'),
                          coreset.pooled_features(model, ctx.labeled_loader, 3, 'x')])
    assert saved['ids'].tolist() == ctx.unlabeled_ids + ctx.labeled_ids
    assert saved['features'].shape == (8, model.decode_head.channels)
    np.testing.assert_array_equal(saved['features'], expected.numpy())
    assert saved['labeled'].tolist() == [False] * 5 + [True] * 3
    assert saved['sequence'].tolist() == ['img_1'] * 5 + ['img_2'] * 3
