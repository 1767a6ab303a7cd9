"""Speed and memory of DeepLabv3+ WRN-38 next to MMSeg's DeepLabv3+ ResNet-101.

Both models are measured in the same run at the study's crops (A2D2 256x512,
VOC 321x321): inference forward time, training step time (forward + backward)
and peak memory, and the WRN-38 / R101 ratios are printed. Each (model, crop)
runs in its own spawned process so that CPU peak RSS is its own; on CUDA the
peak is ``torch.cuda.max_memory_allocated`` over the training steps.

Example:
    python benchmarks/bench_wrn38.py                       # CPU, batch 2, 2 reps
    python benchmarks/bench_wrn38.py --device cuda --batch 8 --reps 10 --amp
    python benchmarks/bench_wrn38.py --device cuda --models wrn38 --crops A2D2 --channels-last
"""
import argparse
import json
import os.path as osp
import resource
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
from benchmarks.child_process import run_in_child  # noqa: E402

MODELS_TO_COMPARE = {
    'wrn38': ('DeepLabv3+ WRN-38', osp.join(REPO, 'configs/_base_/models/deeplabv3plus_wrn38.py')),
    # MMSeg's own base config (its R50 file; depth is set to 101 below), from the
    # configs shipped inside the mmseg package.
    'r101': ('DeepLabv3+ R101 (MMSeg)', '_base_/models/deeplabv3plus_r50-d8.py'),
}
CROPS = {'A2D2': (256, 512), 'VOC': (321, 321)}


def _build(config, device, num_classes):
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmseg_al
    from mmseg_al.registry import MODELS

    init_default_scope('mmseg_al')
    if not osp.isabs(config):
        import mmseg
        config = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs', config)
    cfg = Config.fromfile(config)
    mmseg_al.compat.adapt_cfg_to_device(cfg, launcher='none')
    model_cfg = cfg.model
    model_cfg.pop('pretrained', None)  # timing needs no weights; nothing is downloaded
    model_cfg.backbone.pop('init_cfg', None)
    if model_cfg.backbone.type == 'ResNetV1c':
        model_cfg.backbone.depth = 101
    for head in ('decode_head', 'auxiliary_head'):
        if head in model_cfg:
            model_cfg[head].num_classes = num_classes
    return MODELS.build(model_cfg).to(torch.device(device))


def _measure(config, crop, args, results):
    """Child process: time inference and training steps of one model at one crop."""
    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    device = torch.device(args.device)
    model = _build(config, args.device, args.num_classes)
    num_params = sum(p.numel() for p in model.parameters())
    inputs = torch.randn(args.batch, 3, *crop, device=device)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    samples = []
    for _ in range(args.batch):
        label = torch.randint(0, args.num_classes, (1, *crop), device=device)
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=crop, pad_shape=crop))
        samples.append(sample)
    amp_dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    scaler = torch.amp.GradScaler(device.type, enabled=args.amp and device.type == 'cuda')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def synchronize():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    def forward():
        with torch.no_grad(), torch.autocast(device.type, amp_dtype, enabled=args.amp):
            model._forward(inputs)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, amp_dtype, enabled=args.amp):
            losses = model.loss(inputs, samples)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    def seconds_per_call(mode, step):
        model.train(mode == 'train')
        for _ in range(args.warmup):
            step()
        synchronize()
        start = time.perf_counter()
        for _ in range(args.reps):
            step()
        synchronize()
        return (time.perf_counter() - start) / args.reps

    forward_s = seconds_per_call('eval', forward)
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    train_s = seconds_per_call('train', train_step)
    if device.type == 'cuda':
        peak_mib = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.put(dict(params=num_params, forward_s=forward_s, train_s=train_s,
                     peak_mib=peak_mib))


def run_case(config, crop, args):
    return run_in_child(_measure, config, crop, args)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--amp', action='store_true',
                        help='autocast (float16 + GradScaler on CUDA, bfloat16 on CPU)')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--reps', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--num-classes', type=int, default=19)
    parser.add_argument('--crops', nargs='+', default=list(CROPS), choices=list(CROPS))
    parser.add_argument('--models', nargs='+', default=list(MODELS_TO_COMPARE),
                        choices=list(MODELS_TO_COMPARE))
    parser.add_argument('--channels-last', action='store_true',
                        help='model and inputs in channels-last memory layout')
    parser.add_argument('--json', metavar='FILE', help='also append one JSON line per row')
    args = parser.parse_args(argv)
    if args.batch < 2:
        # Training-mode BN on the ASPP's 1x1 image-pool branch needs 2 values per channel.
        parser.error('--batch must be at least 2 (BN over the ASPP image-pool branch)')
    return args


def main():
    args = parse_args()

    memory = 'peak CUDA alloc' if args.device == 'cuda' else 'peak RSS'
    print(f'device={args.device} amp={args.amp} channels_last={args.channels_last} '
          f'batch={args.batch} reps={args.reps} warmup={args.warmup}')
    header = f'{"crop":<16}{"model":<26}{"params":>10}{"fwd s":>9}{"train s":>9}{memory:>17}'
    print(header)
    for dataset in args.crops:
        crop = CROPS[dataset]
        rows = {MODELS_TO_COMPARE[key][0]: run_case(MODELS_TO_COMPARE[key][1], crop, args)
                for key in args.models}
        for name, r in rows.items():
            print(f'{dataset + " " + "x".join(map(str, crop)):<16}{name:<26}'
                  f'{r["params"] / 1e6:>9.1f}M{r["forward_s"]:>9.3f}{r["train_s"]:>9.3f}'
                  f'{r["peak_mib"]:>13.0f} MiB')
            if args.json:
                with open(args.json, 'a') as f:
                    f.write(json.dumps(dict(check='train_step', model=name, crop=crop,
                                            batch=args.batch, amp=args.amp,
                                            channels_last=args.channels_last, **r)) + '\n')
        if len(rows) < 2:
            continue
        wrn, r101 = rows.values()
        ratio = {key: wrn[key] / r101[key] for key in wrn}
        print(f'{"":<16}{"ratio WRN-38 / R101":<26}{ratio["params"]:>10.2f}'
              f'{ratio["forward_s"]:>9.2f}{ratio["train_s"]:>9.2f}{ratio["peak_mib"]:>17.2f}')


if __name__ == '__main__':
    main()
