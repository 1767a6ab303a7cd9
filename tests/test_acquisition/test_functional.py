import math

import torch

from mmseg_al.acquisition.functional import entropy_scores


def test_entropy_hand_computed():
    # One image, 2 classes, 2 pixels: p = (0.5, 0.5) and (1, 0).
    probs = torch.tensor([[[[0.5, 1.0]], [[0.5, 0.0]]]])
    assert torch.allclose(entropy_scores(probs), torch.tensor([math.log(2) / 2]))


def test_entropy_uniform_is_log_c_and_one_hot_is_zero():
    uniform = torch.full((3, 5, 4, 6), 0.2)
    one_hot = torch.nn.functional.one_hot(torch.randint(0, 5, (3, 4, 6)), 5).permute(0, 3, 1, 2)
    assert torch.allclose(entropy_scores(uniform), torch.full((3, ), math.log(5)))
    assert torch.allclose(entropy_scores(one_hot.float()), torch.zeros(3))


def test_entropy_ignores_invalid_pixels():
    probs = torch.tensor([[[[0.5, 1.0]], [[0.5, 0.0]]]])
    valid = torch.tensor([[[True, False]]])
    assert torch.allclose(entropy_scores(probs, valid), torch.tensor([math.log(2)]))
