"""The experiment a backend serves, read from the command line as tools/al_train.py reads it.

The backend and its worker process build the config with these functions, so the
config hash in ``al_state.json`` is the one ``tools/al_train.py`` computes and
either tool can continue a work dir the other started.
"""
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmseg_al.compat import adapt_cfg_to_device


class ConfigOptions(DictAction):
    """``--cfg-options`` parsed as al_train.py parses them, the given words kept for the worker."""

    def __call__(self, parser, namespace, values, option_string=None):
        super().__call__(parser, namespace, values, option_string)
        given = list(getattr(namespace, 'cfg_options_words', None) or [])
        namespace.cfg_options_words = given + list(values)


def add_experiment_args(parser):
    """The arguments that name an experiment: CONFIG, --work-dir, --seed, --cfg-options."""
    parser.add_argument('config', help='experiment config with active_learning.oracle="human"')
    parser.add_argument('--work-dir', help='where state, checkpoints, logs and results go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--seed', type=int, default=None,
                        help='seed of the experiment (default: randomness.seed of the config, '
                        'else 0)')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptions, metavar='KEY=VALUE',
                        help='override config entries, e.g. train_cfg.max_iters=100')
    parser.set_defaults(cfg_options_words=[])
    return parser


def experiment_work_dir(args):
    """The absolute work dir of parsed ``args``."""
    return osp.abspath(args.work_dir or default_work_dir(args.config))


def experiment_words(args):
    """The command-line words that name the experiment of parsed ``args`` (for the worker)."""
    words = [osp.abspath(args.config), '--work-dir', experiment_work_dir(args)]
    if args.seed is not None:
        words += ['--seed', str(args.seed)]
    if args.cfg_options_words:
        words += ['--cfg-options', *args.cfg_options_words]
    return words


def default_work_dir(config):
    return osp.join('work_dirs', osp.splitext(osp.basename(config))[0])


def experiment_config(config, work_dir=None, cfg_options=None, seed=None):
    """``(cfg, seed)`` of one experiment, exactly as a single-process al_train.py run builds them.

    Args:
        config (str): the config file.
        work_dir (str, optional): default ``work_dirs/<config name>``.
        cfg_options (dict, optional): ``--cfg-options`` as ``DictAction`` parsed them.
        seed (int, optional): default ``randomness.seed`` of the config, else 0.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config} does not exist.')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = work_dir or default_work_dir(config)
    cfg.launcher = 'none'
    seed = seed if seed is not None else cfg.get('randomness', {}).get('seed') or 0
    init_default_scope(cfg.get('default_scope', 'mmseg_al'))
    adapt_cfg_to_device(cfg, 'none')
    return cfg, seed
