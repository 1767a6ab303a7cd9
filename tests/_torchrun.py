"""Run a test's worker script as one process and under torchrun (gloo on CPU), for comparison.

A worker is called as ``WORKER CHECKPOINT OUT_DIR`` and writes ``rank<r>.json``
into ``OUT_DIR``; it joins the process group itself when torchrun sets
``WORLD_SIZE`` (:func:`mmseg_al.compat.init_cpu_distributed`).
"""
import json
import os
import os.path as osp
import subprocess
import sys

import torch

TIMEOUT_S = 240


def run_worker(worker, checkpoint, out_dir, nproc=None):
    """Run ``worker`` (under torchrun with ``nproc`` processes if given); file name -> JSON."""
    os.makedirs(out_dir)
    launcher = [sys.executable] if nproc is None else [
        sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node',
        str(nproc)]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    subprocess.run(launcher + [worker, checkpoint, out_dir], check=True, env=env,
                   timeout=TIMEOUT_S)
    return {name: json.load(open(osp.join(out_dir, name))) for name in os.listdir(out_dir)}


def one_process_and_torchrun(worker, model, root, nproc=2):
    """``model`` saved to ``root``, then ``worker`` run on it alone and under torchrun.

    Returns:
        tuple[dict, dict]: what the single process wrote (``rank0.json``), and every
        rank's file name -> JSON under torchrun.
    """
    checkpoint = osp.join(root, 'model.pth')
    torch.save(model.state_dict(), checkpoint)
    single = run_worker(worker, checkpoint, osp.join(root, 'single'))['rank0.json']
    return single, run_worker(worker, checkpoint, osp.join(root, 'dist'), nproc=nproc)
