"""The experiment a backend serves, named on the command line as tools/al_train.py names it.

The backend and its worker process build the config with
:func:`mmseg_al.engine.experiment.experiment_config`, as ``tools/al_train.py`` does, so
the config hash in ``al_state.json`` is the same and either tool can continue a work
dir the other started.
"""
import os.path as osp

from mmengine.config import DictAction

from mmseg_al.engine.experiment import default_work_dir


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
