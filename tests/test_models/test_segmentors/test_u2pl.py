import copy
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from _tiny_ssl import NUM_CLASSES, make_batch, tiny_segmentor_cfg
from dist_memory_bank_worker import rank_keys
from mmengine.optim import build_optim_wrapper

from mmseg_al.models.segmentors.semi_base import pseudo_label_loss
from mmseg_al.models.segmentors.u2pl import (_cutmix, gather_from_all_ranks,
                                             reliable_pseudo_labels, rescaled_pseudo_label_loss)
from mmseg_al.registry import MODELS


def build_u2pl(predict_on='teacher', **semi_train_cfg):
    cfg = dict(total_iters=10, num_queries=8, num_negatives=4)
    cfg.update(semi_train_cfg)
    return MODELS.build(dict(type='U2PLSegmentor', segmentor=tiny_segmentor_cfg(),
                             semi_train_cfg=cfg, semi_test_cfg=dict(predict_on=predict_on),
                             rep_channels=8, memory_size=16))


def test_reliable_pseudo_labels_keep_the_lowest_entropy_pixels():
    pseudo = torch.tensor([[[0, 1], [2, 0]]])
    entropy = torch.tensor([[[0.1, 0.9], [0.5, 0.3]]])
    targets, frac = reliable_pseudo_labels(pseudo, entropy, reliable_percent=50)
    assert targets.tolist() == [[[0, 255], [255, 0]]]
    assert frac.item() == 0.5


def test_pseudo_label_loss_uses_the_heads_class_weights():
    cfg = tiny_segmentor_cfg()
    cfg.decode_head.loss_decode = dict(type='CrossEntropyLoss', avg_non_ignore=True,
                                       class_weight=[0.1] + [1.0] * 10)
    head = MODELS.build(cfg).decode_head
    logits = torch.randn(1, 11, 2, 2)
    targets = torch.tensor([[[0, 3], [255, 0]]])
    per_pixel = F.cross_entropy(logits, targets, ignore_index=255, reduction='none')
    weights = torch.tensor([[[0.1, 1.0], [0.0, 0.1]]])
    expected = (per_pixel * weights).sum() / weights.sum()  # weighted mean, ignored out
    torch.testing.assert_close(pseudo_label_loss(head, logits, targets), expected)


def test_pseudo_label_loss_is_rescaled_by_all_over_kept_pixels_as_in_u2pl():
    head = MODELS.build(tiny_segmentor_cfg()).decode_head
    logits = torch.randn(1, 11, 2, 2, generator=torch.Generator().manual_seed(0))
    targets = torch.tensor([[[0, 3], [255, 7]]])  # 3 of 4 pixels kept
    per_pixel = F.cross_entropy(logits, targets, ignore_index=255, reduction='none')
    # U2PL: mean over the 3 kept pixels, times B * h * w / #kept = 4 / 3.
    expected = per_pixel.sum() / 3 * (4 / 3)
    torch.testing.assert_close(rescaled_pseudo_label_loss(head, logits, targets), expected)


def test_rescale_pseudo_loss_switches_u2pls_weighting_in_training():
    rescaled = build_u2pl().train()
    plain = copy.deepcopy(rescaled)
    plain.semi_train_cfg['rescale_pseudo_loss'] = False
    losses = [model.loss(**model.data_preprocessor(make_batch(2, 2), True))
              for model in (rescaled, plain)]
    frac = losses[0]['unsup.reliable_pixel_frac']
    assert 0.8 < frac < 0.9  # 100 - 20 * (1 - 1 / 10) = 82 % kept at step 1
    torch.testing.assert_close(losses[0]['unsup.loss_pseudo'],
                               losses[1]['unsup.loss_pseudo'] / frac)


def test_cutmix_pastes_one_box_of_the_next_image_consistently():
    images = torch.arange(3.).view(3, 1, 1, 1).expand(3, 3, 8, 16).clone()
    labels = torch.arange(3).view(3, 1, 1).expand(3, 8, 16).clone()
    probs = torch.arange(3.).view(3, 1, 1, 1).expand(3, 4, 8, 16).clone()
    mixed_images, mixed_labels, mixed_probs = _cutmix(images, labels, probs,
                                                      torch.Generator().manual_seed(0))
    for i in range(3):
        from_next = mixed_labels[i] == (i + 1) % 3
        assert torch.equal(mixed_images[i, 0] == (i + 1) % 3, from_next)
        assert torch.equal(mixed_probs[i, 0] == (i + 1) % 3, from_next)
        rows, cols = from_next.nonzero(as_tuple=True)
        box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        assert box == from_next.sum()  # one rectangle
        assert abs(from_next.float().mean().item() - 0.5) < 0.1  # about half the image


def test_memory_bank_is_a_ring_buffer_per_class():
    model = build_u2pl()
    keys = torch.arange(20 * 8, dtype=torch.float).view(20, 8)
    model._enqueue(3, keys[:10])
    assert model.memory_filled[3] == 10 and model.memory_ptr[3] == 10
    model._enqueue(3, keys[10:20])  # 20 keys in a bank of 16: the 4 oldest are gone
    assert model.memory_filled[3] == 16
    stored = {tuple(row.tolist()) for row in model.memory_bank[3]}
    assert stored == {tuple(row.tolist()) for row in keys[4:20]}
    assert model.memory_filled.sum() == 16  # other classes untouched


def test_gathering_keys_in_one_process_returns_them_unchanged():
    keys = rank_keys(0)
    assert gather_from_all_ranks(keys) is keys


@pytest.mark.slow
def test_memory_bank_holds_the_keys_of_every_rank(tmp_path):
    worker = osp.join(osp.dirname(osp.abspath(__file__)), 'dist_memory_bank_worker.py')
    subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone',
                    '--nproc_per_node', '2', worker, str(tmp_path)],
                   check=True, env=dict(os.environ, OMP_NUM_THREADS='1'), timeout=300)
    banks = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]
    for name, value in banks[0].items():
        assert torch.equal(value, banks[1][name]), name
    for cls in range(NUM_CLASSES):
        # Two steps, each: rank 0's keys of the class, then rank 1's.
        expected = torch.cat([rank_keys(0)[cls], rank_keys(1)[cls]] * 2)
        assert banks[0]['memory_filled'][cls] == banks[0]['memory_ptr'][cls] == len(expected)
        assert torch.equal(banks[0]['memory_bank'][cls, :len(expected)], expected)
    assert banks[0]['memory_filled'].sum() > 0


@pytest.mark.parametrize('predict_on', ['teacher', 'student'])
def test_inference_uses_the_configured_network(predict_on):
    model = build_u2pl(predict_on).eval()
    assert model.inference_segmentor is getattr(model, predict_on).segmentor
    with torch.no_grad():
        model.teacher.segmentor.decode_head.conv_seg.bias.add_(1.0)  # make them differ
    data = model.data_preprocessor(make_batch(0, 2), False)
    ours = model.predict(data['inputs'], data['data_samples'])
    theirs = model.inference_segmentor.predict(data['inputs'], data['data_samples'])
    for a, b in zip(ours, theirs):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)


def test_bad_predict_on_is_rejected():
    with pytest.raises(ValueError, match='predict_on'):
        build_u2pl('ema')


def test_train_step_trains_the_student_only_and_counts_steps():
    model = build_u2pl(cutmix_prob=1.0, class_threshold=0.0)  # untrained: no confident pixel
    model.train()
    assert not model.teacher.training
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.01)))
    teacher = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    student = {k: v.clone() for k, v in model.student.state_dict().items()}
    for _ in range(2):
        log_vars = model.train_step(make_batch(2, 2), optim)
    assert model.train_steps == 2
    assert all(torch.equal(teacher[k], v) for k, v in model.teacher.state_dict().items())
    assert any(not torch.equal(student[k], v) for k, v in model.student.state_dict().items()
               if v.is_floating_point())
    for key in ('sup.decode.loss_ce', 'unsup.loss_pseudo', 'unsup.loss_contrast'):
        assert torch.isfinite(torch.as_tensor(log_vars[key]))
    # reliable share at step 2 of 10: 100 - 20 * (1 - 0.2) = 84 %
    assert abs(log_vars['unsup.reliable_pixel_frac'] - 0.84) < 0.01
    assert model.memory_filled.sum() > 0
    assert log_vars['unsup.loss_contrast'] > 0


def test_total_iters_is_required():
    with pytest.raises(ValueError, match='total_iters'):
        MODELS.build(dict(type='U2PLSegmentor', segmentor=tiny_segmentor_cfg(),
                          semi_train_cfg=dict()))


def test_supervised_only_warm_up_zeroes_the_unsupervised_terms():
    model = build_u2pl(sup_only_iters=1, class_threshold=0.0).train()
    first = model.loss(**model.data_preprocessor(make_batch(2, 2), True))
    second = model.loss(**model.data_preprocessor(make_batch(2, 2, seed=1), True))
    assert first['unsup.loss_pseudo'] == 0 and first['unsup.loss_contrast'] == 0
    assert second['unsup.loss_pseudo'] > 0
