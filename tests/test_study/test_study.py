"""Grid expansion of a study config and run status read from the runs' own files."""
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmseg_al.engine.state import ALState
from mmseg_al.study import LocalBackend, Study, StudyConfigError, run_statuses, status_table

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
        state = ALState(osp.join(run.work_dir, ALState.FILE), run.seed, 'h')
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


def _experiment_configs(name, tmp_path):
    study = Study(osp.join(STUDIES, f'{name}.py'), work_dir=str(tmp_path / name))
    return {run.experiment: Config.fromfile(run.config).to_dict()
            for run in study.runs() if run.seed == study.seeds[0]}


@pytest.mark.parametrize('name', sorted(osp.splitext(f)[0] for f in os.listdir(STUDIES)))
def test_every_shipped_study_expands_into_loadable_runs(name, tmp_path):
    configs = _experiment_configs(name, tmp_path)
    for experiment, cfg in configs.items():
        assert cfg['active_learning']['acquisition']['type'].endswith('Acquisition'), experiment
        assert cfg['train_dataloader']['dataset']['ann_file'].startswith('pools/')


@pytest.mark.parametrize('study, source, rename, expected', [
    # Random, Entropy, Coreset and the 100 % row of Pool-11f:
    ('digits_methods_pool11f', 'digits_redundancy_core_mid', {}, 4),
    ('digits_ssl_pool11f', 'digits_redundancy_core_mid', {'_sup_': '_'}, 4),
    # Random, Entropy, Coreset and the 100 % row of Pool-21f:
    ('digits_ssl_pool21f', 'digits_redundancy_core', {'_sup_': '_'}, 4),
    # the 100 % rows of Pool-0f and Pool-21f:
    ('digits_low_budget', 'digits_redundancy_core', {}, 2),
    # BALD-SSL on Pool-0f, beside its Random-MCD-SSL control:
    ('digits_mcd_ssl_pool0f', 'digits_methods_ssl_pool0f', {}, 1)])
def test_studies_that_reuse_runs_give_them_the_source_studys_configs(study, source, rename,
                                                                      expected, tmp_path):
    """The study docs copy these runs between study dirs; the runner then skips them."""
    reused, original = _experiment_configs(study, tmp_path), _experiment_configs(source, tmp_path)
    shared = 0
    for experiment, cfg in reused.items():
        for old, new in rename.items():
            experiment = experiment.replace(old, new)
        if experiment in original:
            shared += 1
            assert cfg == original[experiment], experiment
    assert shared == expected


def _configs_by_tags(name, work_dir):
    """``{(pool, budget, method, ssl): config}``; supervised is 'sup' also without an SSL axis."""
    study = Study(osp.join(STUDIES, f'{name}.py'), work_dir=str(work_dir / name))
    return {(r.tags.get('pool'), r.tags.get('budget'), r.tags.get('method'),
             r.tags.get('ssl') or ('sup' if r.tags.get('budget') else None)):
            Config.fromfile(r.config).to_dict() for r in study.runs() if r.seed == study.seeds[0]}


@pytest.fixture(scope='module')
def full_grid_configs(tmp_path_factory):
    return _configs_by_tags('digits_redundancy', tmp_path_factory.mktemp('grid'))


@pytest.mark.parametrize('name', sorted(
    osp.splitext(f)[0] for f in os.listdir(STUDIES) if f != 'digits_redundancy.py'))
def test_the_full_grid_gives_a_sub_studys_tags_the_sub_studys_configs(name, full_grid_configs,
                                                                      tmp_path):
    """The full grid's report counts sub-studies' table rows as its own by their tags
    (``--report --tables``); that is sound only if the same tags mean the same config."""
    part = _configs_by_tags(name, tmp_path)
    shared = set(full_grid_configs) & set(part)
    assert shared, f'{name} shares no experiment with the full grid'
    for tags in shared:
        assert part[tags] == full_grid_configs[tags], tags
    # Only controls outside the grid (Random-MCD) may lack a twin.
    assert {tags[2] for tags in set(part) - set(full_grid_configs)} <= {'Random-MCD'}
