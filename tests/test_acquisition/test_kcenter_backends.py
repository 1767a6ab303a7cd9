import numpy as np
import pytest
import torch

from mmseg_al.acquisition.functional import k_center_greedy

faiss = pytest.importorskip('faiss')
from mmseg_al.acquisition.kcenter_faiss import k_center_greedy_faiss  # noqa: E402


@pytest.mark.parametrize('num_labeled', [0, 40])
def test_faiss_and_torch_backends_pick_the_same(num_labeled):
    rng = np.random.default_rng(num_labeled)
    unlabeled = rng.normal(size=(800, 48)).astype(np.float32)
    labeled = rng.normal(size=(num_labeled, 48)).astype(np.float32)
    picked_torch, radius_torch = k_center_greedy(torch.from_numpy(unlabeled),
                                                 torch.from_numpy(labeled), 60)
    picked_faiss, radius_faiss = k_center_greedy_faiss(unlabeled, labeled, 60, use_gpu=False)
    assert picked_faiss.tolist() == picked_torch.tolist()
    np.testing.assert_allclose(radius_faiss.numpy(), radius_torch.numpy(), rtol=1e-4)


def test_faiss_backend_accepts_tensors_and_checks_input():
    unlabeled = torch.randn(20, 4)
    picked, _ = k_center_greedy_faiss(unlabeled, unlabeled[:2], 5, use_gpu=False)
    assert len(set(picked.tolist())) == 5 and not {0, 1} & set(picked.tolist())
    with pytest.raises(ValueError, match='at most'):
        k_center_greedy_faiss(unlabeled, unlabeled[:2], 21, use_gpu=False)


@pytest.mark.parametrize('num_labeled', [0, 3])
def test_faiss_backend_on_duplicates_picks_each_point_once_with_radius_zero(num_labeled):
    pair = torch.tensor([[0., 0.], [0., 0.], [3., 4.], [3., 4.], [6., 8.], [6., 8.]])
    picked, radius = k_center_greedy_faiss(pair, pair[:0], 5, use_gpu=False)
    assert picked.tolist() == [0, 4, 2, 1, 3] and radius[3:].tolist() == [0.0] * 3
    # Raw float32 features far from the origin: faiss's 1-NN search uses the expanded
    # form, so a duplicate of a labeled point must be rechecked to come out at 0.
    gen = torch.Generator().manual_seed(0)
    distinct = torch.randn(8, 512, generator=gen) * 3 + 100
    pool = torch.cat([distinct, distinct[:4]])
    labeled = distinct[:num_labeled]
    picked, radius = k_center_greedy_faiss(pool, labeled, 10, use_gpu=False)
    assert picked.tolist() == k_center_greedy(pool, labeled, 10)[0].tolist()
    assert radius[8 - num_labeled:].tolist() == [0.0] * (3 + num_labeled)
