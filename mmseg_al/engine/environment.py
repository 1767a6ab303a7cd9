"""Where a train phase ran: what its numbers depend on besides the config and the seed.

A config and seed repeat bit for bit on one machine, but not across CPU types:
oneDNN and ATen choose their kernels by instruction set (on one machine, capping
oneDNN at AVX2 changed the loss within 33 iterations, and a 100-iteration cycle's
mIoU from 9.42 to 8.10).
Each cycle records this, so results from several machines can be told apart.
"""
import os
import platform
from importlib.metadata import PackageNotFoundError, version

import torch

PACKAGES = ('torch', 'numpy', 'opencv-python', 'mmengine', 'mmsegmentation')
# Environment variables that change which kernels run.
KERNEL_VARIABLES = ('ONEDNN_MAX_CPU_ISA', 'ATEN_CPU_CAPABILITY', 'CUBLAS_WORKSPACE_CONFIG')


def cpu_model(cpuinfo='/proc/cpuinfo'):
    """The CPU's model name, family and model (Linux), else what ``platform`` says.

    Virtual machines often show a generic name; family and model still tell CPUs apart.
    """
    fields = {}
    try:
        with open(cpuinfo) as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(':')
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    if 'model name' not in fields:
        return platform.processor() or platform.machine()
    return f"{fields['model name']} (family {fields.get('cpu family')}, model {fields.get('model')})"


def _package_version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def run_environment():
    """The machine, kernels and library versions of this process, as plain JSON."""
    return dict(
        cpu=cpu_model(),
        cpu_capability=torch.backends.cpu.get_cpu_capability(),
        gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        threads=torch.get_num_threads(),
        packages={name: _package_version(name) for name in PACKAGES},
        variables={name: os.environ[name] for name in KERNEL_VARIABLES if name in os.environ})
