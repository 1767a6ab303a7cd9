"""The machine a train phase records: the CPU it ran on, read from /proc/cpuinfo."""
import platform

from mmseg_al.engine.environment import cpu_model, run_environment

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 143
model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu avx2

processor\t: 1
model name\t: another CPU of the same machine
"""


def test_cpu_model_names_the_first_processor_with_family_and_model(tmp_path):
    path = tmp_path / 'cpuinfo'
    path.write_text(CPUINFO)
    # A virtual machine's generic name alone would not tell two CPUs apart.
    assert cpu_model(str(path)) == 'Intel(R) Xeon(R) Processor (family 6, model 143)'


def test_cpu_model_without_cpuinfo_asks_platform(tmp_path):
    assert cpu_model(str(tmp_path / 'missing')) == (platform.processor() or platform.machine())


def test_environment_is_plain_json_of_this_process(monkeypatch):
    monkeypatch.setenv('ONEDNN_MAX_CPU_ISA', 'AVX2')
    environment = run_environment()
    assert environment['variables'] == {'ONEDNN_MAX_CPU_ISA': 'AVX2'}
    assert environment['packages']['mmengine'] == __import__('mmengine').__version__
    assert isinstance(environment['threads'], int) and environment['threads'] >= 1
