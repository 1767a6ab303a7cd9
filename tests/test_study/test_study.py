"""Grid expansion of a study config and run status read from the runs' own files."""
import json
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmseg_al.al_state import ALState
from mmseg_al.analysis.study_table import read_table_csv
from mmseg_al.study import LocalBackend, Study, StudyConfigError, run_statuses, status_table
from mmseg_al.work_dir_files import STATE_FILE

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO_ROOT, 'configs')


def write_study(tmp_path, text, name='grid.py'):
    path = tmp_path / name
    path.write_text(f'_configs = {CONFIGS!r}\n' + text)
    return str(path)


GRID = """
seeds = [0, 3]
cfg_options = {'train_cfg.max_iters': 7, 'active_learning.step': 1}
axes = dict(
    method=dict(Random=dict(configs=[_configs + '/al/random_digits_pool11f.py']),
                Entropy=dict(configs=[_configs + '/al/entropy_digits_pool11f.py'])),
    ssl=dict(sup=dict(), SSL=dict(configs=[_configs + '/_base_/ssl/s4gan_digits.py'])),
    budget={'5-5': dict(options={'active_learning.initial': 5, 'active_learning.step': 5,
                                 'active_learning.num_cycles': 2})})
experiments = [dict(name='full', configs=[_configs + '/al/random_digits_pool11f.py'],
                    options={'active_learning.initial': 100, 'active_learning.num_cycles': 0},
                    tags=dict(method='100%'))]
"""


def test_grid_is_the_product_of_the_axes_plus_the_explicit_experiments(tmp_path):
    study = Study(write_study(tmp_path, GRID), work_dir=str(tmp_path / 'out'),
                  cfg_options={'train_cfg.max_iters': 3})
    assert study.name == 'grid'
    assert [e.name for e in study.experiments] == [
        'Random_sup_5-5', 'Random_SSL_5-5', 'Entropy_sup_5-5', 'Entropy_SSL_5-5', 'full']
    assert study.experiments[1].tags == dict(method='Random', ssl='SSL', budget='5-5')
    runs = study.runs()
    assert [r.name for r in runs][:2] == ['Random_sup_5-5/seed_0', 'Random_sup_5-5/seed_3']
    assert runs[0].work_dir == str(tmp_path / 'out' / 'Random_sup_5-5' / 'seed_0')
    assert [r.num_cycles for r in runs[::2]] == [2, 2, 2, 2, 0]
    # The generated leaf config is what al_train.py reads: precedence study < axis < CLI.
    cfg = Config.fromfile(runs[2].config)
    assert cfg.train_cfg.max_iters == 3
    assert cfg.active_learning.step == 5 and cfg.active_learning.initial == 5
    assert cfg.active_learning.acquisition.type == 'RandomAcquisition'
    assert cfg.ssl.model.type == 'S4GANSegmentor'
    assert 'ssl' not in Config.fromfile(runs[0].config)
    assert cfg.train_dataloader.dataset.ann_file == 'pools/pool11f.txt'  # merged, not replaced
    assert runs[0].command()[-4:] == ['--work-dir', runs[0].work_dir, '--seed', '0']
    study_json = json.load(open(tmp_path / 'out' / 'study.json'))
    assert study_json['seeds'] == [0, 3] and study_json['experiments'][4]['tags'] == {
        'method': '100%'}
    # What each experiment trains with, read from its config: the report's supervised rows.
    assert [e['ssl_model'] for e in study_json['experiments']] == [
        None, 'S4GANSegmentor', None, 'S4GANSegmentor', None]


@pytest.mark.parametrize('text, message', [
    ("seeds = [0]\naxes = dict(method=dict(A=dict(configs=['nope.py'])))", 'nope.py does not'),
    ("seeds = [0]\nbogus = 1\naxes = dict()", "unknown keys ['bogus']"),
    ("seeds = []\naxes = dict(method=dict(A=dict(configs=[_configs + '/al/random_digits_pool11f.py'])))",
     'seeds must be'),
    ("axes = dict(method=dict(A=dict(configs=[_configs + '/al/random_digits_pool11f.py'], "
     "extra=1)))", 'must be a dict with keys'),
    ("experiments = [dict(name='a b', configs=[_configs + '/al/random_digits_pool11f.py'])]",
     'not a usable name'),
    ("axes = dict(method=dict(A=dict(configs=[_configs + '/al/random_digits_pool11f.py']), "
     "B=dict(configs=[_configs + '/al/random_digits_pool11f.py'])))\n"
     "experiments = [dict(name='A', configs=[_configs + '/al/random_digits_pool11f.py'])]",
     "names repeat: ['A']"),
    ("axes = dict()", 'declares no experiments'),
])
def test_bad_study_configs_are_refused_with_what_to_fix(tmp_path, text, message):
    with pytest.raises(StudyConfigError, match=message.replace('[', r'\[').replace(']', r'\]')):
        Study(write_study(tmp_path, text))


def test_status_comes_from_each_runs_own_files(tmp_path):
    study = Study(write_study(tmp_path, GRID), work_dir=str(tmp_path / 'out'))
    runs = study.runs()
    done, partial, failed, stale, _, *pending = runs
    for run, finished in ((done, [(0, 'train'), (0, 'eval'), (0, 'acquire'), (1, 'train'),
                                  (1, 'eval'), (1, 'acquire'), (2, 'train'), (2, 'eval')]),
                          (partial, [(0, 'train'), (0, 'eval')])):
        os.makedirs(run.work_dir)
        state = ALState(osp.join(run.work_dir, STATE_FILE), run.seed, 'h')
        for k, phase in finished:
            state.mark_done(k, phase)
    failed.mark_started(backend='local', pid=os.getpid(), work_dir=failed.work_dir)
    failed.mark_finished(2)
    # A 'running' marker whose process is gone (a killed runner) is pending again.
    stale.mark_started(backend='local', pid=2 ** 22 + 7, work_dir=stale.work_dir)
    statuses = run_statuses(runs)
    assert [statuses[r.name] for r in (done, partial, failed, stale)] == [
        'done', 'pending', 'failed', 'pending']
    assert partial.phases() == (2, 8) and done.phases() == (8, 8)
    table = status_table(runs, statuses)
    assert f'{len(runs)} runs: 1 done, 0 running, 1 failed, {len(runs) - 2} pending' in table
    assert 'exit 2' in table


def test_local_backend_divides_the_cores(monkeypatch):
    monkeypatch.setattr(os, 'sched_getaffinity', lambda pid: set(range(8)))
    assert LocalBackend(workers=3).threads == 2
    assert LocalBackend(workers=2, threads=4).threads == 4
    with pytest.raises(ValueError, match='exceeds the 8 cores'):
        LocalBackend(workers=3, threads=3)
    with pytest.raises(ValueError, match='between 1 and the 8 cores'):
        LocalBackend(workers=9)


def test_status_reads_the_configs_the_runs_were_started_with(tmp_path):
    path = write_study(tmp_path, GRID)
    Study(path, work_dir=str(tmp_path / 'out'), cfg_options={'train_cfg.max_iters': 3}).runs()
    runs = Study(path, work_dir=str(tmp_path / 'out')).runs(refresh=False)
    assert Config.fromfile(runs[0].config).train_cfg.max_iters == 3
    runs = Study(path, work_dir=str(tmp_path / 'out')).runs()
    assert Config.fromfile(runs[0].config).train_cfg.max_iters == 7


STUDIES = osp.join(CONFIGS, 'studies')
DIGIT_TABLE = osp.join(REPO_ROOT, 'mmseg_al', 'recommend', 'data', 'digit_study.csv')


@pytest.mark.parametrize('name', sorted(osp.splitext(f)[0] for f in os.listdir(STUDIES)))
def test_every_shipped_study_expands_into_loadable_runs(name, tmp_path):
    study = Study(osp.join(STUDIES, f'{name}.py'), work_dir=str(tmp_path / name))
    for run in study.runs(only={'seed': [str(study.seeds[0])]}):
        cfg = Config.fromfile(run.config)
        assert cfg.active_learning.acquisition.type.endswith('Acquisition'), run.name
        assert cfg.train_dataloader.dataset.ann_file.startswith('pools/')


def test_the_committed_digit_table_holds_every_run_of_the_grid_by_its_tags(tmp_path):
    """docs/study/report.md is the grid's report of this table: each row must be a run of
    the grid, under the grid's name and tags, and each run of the grid a row."""
    study = Study(osp.join(STUDIES, 'digits_redundancy.py'), work_dir=str(tmp_path))
    tags = {e.name: e.tags for e in study.experiments}
    rows = read_table_csv(DIGIT_TABLE)
    for row in rows:
        assert tags[row['experiment']] == {k: row[k] for k in tags[row['experiment']]}, row
    committed = {(r['experiment'], r['seed']) for r in rows}
    assert len(committed) == len(rows)
    assert committed == {(name, seed) for name in tags for seed in study.seeds}


def test_only_runs_the_part_of_the_grid_with_those_tags(tmp_path):
    study = Study(write_study(tmp_path, GRID), work_dir=str(tmp_path / 'out'))
    runs = study.runs(only={'method': ['Entropy'], 'ssl': ['SSL', 'sup'], 'seed': ['3']})
    assert [r.name for r in runs] == ['Entropy_sup_5-5/seed_3', 'Entropy_SSL_5-5/seed_3']
    # An explicit experiment is kept by its own tags; one without the key is not.
    assert [r.name for r in study.runs(only={'method': ['100%']})] == ['full/seed_0',
                                                                       'full/seed_3']
    last = study.runs(only={'budget': ['5-5'], 'seed': ['0']})[-1]
    assert last.name == 'Entropy_SSL_5-5/seed_0'
    # The configs and study.json are still the whole study's.
    assert len(json.load(open(tmp_path / 'out' / 'study.json'))['experiments']) == 5
    with pytest.raises(ValueError, match="no run has 'Random-MCD'; the values of method: "
                       'Random, Entropy, 100%'):
        study.runs(only={'method': ['Random-MCD']})


def test_status_and_report_honour_only(tmp_path, tool, capsys):
    path = write_study(tmp_path, GRID)
    argv = [path, '--work-dir', str(tmp_path / 'out')]
    tool('al_study').main(argv + ['--status', '--only', 'method=Random', 'ssl=SSL'])
    out = capsys.readouterr().out
    assert 'Random_SSL_5-5' in out and 'Random_sup_5-5' not in out and 'Entropy' not in out
    assert '2 runs: 0 done, 0 running, 0 failed, 2 pending' in out
    tool('al_study').main(argv + ['--report', '--out', str(tmp_path / 'part'), '--only',
                                  'method=Entropy', 'seed=3'])
    report = open(tmp_path / 'part' / 'report.md').read()
    assert report.startswith('# Study grid\n\n0 of 2 runs with results '
                             '(2 experiments × 1 seeds)')
    assert '| - | 5-5 | sup | - | Entropy |' in report  # its coverage: not run yet


@pytest.mark.parametrize('argv, message', [
    (['--status', '--only', 'metod=Random'], "no key 'metod'; its keys: budget, method, seed, "
                                             'ssl'),
    (['--status', '--only', 'seed=7'], "no run has '7'; the values of seed: 0, 3"),
    (['--status', '--table', 'x.csv'], '--table and --out say what to report'),
])
def test_a_bad_filter_is_one_error_line(tmp_path, tool, argv, message):
    with pytest.raises(SystemExit, match=f'^error: .*{message}'):
        tool('al_study').main([write_study(tmp_path, GRID), '--work-dir', str(tmp_path / 'o'),
                               *argv])


def test_only_must_be_key_equals_values(tmp_path, tool, capsys):
    with pytest.raises(SystemExit):
        tool('al_study').main([write_study(tmp_path, GRID), '--status', '--only', 'method'])
    assert "'method' is not KEY=V1,V2" in capsys.readouterr().err


def test_amp_reaches_every_run_command(tmp_path, tool):
    assert tool('al_study').parse_args([write_study(tmp_path, GRID), '--amp']).amp
    runs = Study(write_study(tmp_path, GRID), work_dir=str(tmp_path / 'o'), amp=True).runs()
    assert all(run.command()[-1] == '--amp' for run in runs)
    assert '--amp' not in Study(write_study(tmp_path, GRID),
                                work_dir=str(tmp_path / 'p')).runs()[0].command()


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU-only refusal of --amp')
def test_a_study_with_amp_on_a_cpu_fails_each_run_with_al_trains_error(tmp_path, tool, capsys):
    with pytest.raises(SystemExit):
        tool('al_study').main([write_study(tmp_path, GRID), '--work-dir', str(tmp_path / 'o'),
                               '--amp', '--only', 'method=Random', 'ssl=sup', 'seed=0'])
    assert 'error: mixed precision (--amp, AmpOptimWrapper) needs a CUDA' in (
        capsys.readouterr().err)
