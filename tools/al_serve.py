"""Serve a human-oracle AL run to Label Studio as an ML backend: the live loop.

Label Studio asks the backend for pre-annotations (the current model's masks,
scored by the acquisition), sends each submitted annotation by webhook, and when
every image of the batch is annotated (or on "Start Training") the backend
imports the batch and runs the next cycle in a background worker, then adds the
next batch to the project as tasks. One of tools/al_train.py and this tool
drives a work dir at a time. See docs/live_loop.md.

Environment: LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY (a personal access token)
to add each batch to the project; without them the batch is exported as files.
BASIC_AUTH_USER and BASIC_AUTH_PASS to ask Label Studio for HTTP basic auth.

Examples:
    python tools/al_serve.py configs/my_images.py
    LABEL_STUDIO_URL=http://127.0.0.1:8080 LABEL_STUDIO_API_KEY=... \\
        python tools/al_serve.py configs/my_images.py --port 9090
"""
import argparse
import sys

import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)
from mmseg_al.annotation import AnnotationError
from mmseg_al.config_error import ConfigError
from mmseg_al.datasets.preparation import DatasetNotPreparedError, prepare_or_check
from mmseg_al.engine.al_loop import ALLoop
from mmseg_al.engine.lock import WorkDirLock
from mmseg_al.fileio import StateError
from mmseg_al.engine.experiment import experiment_config
from mmseg_al.serve.experiment import add_experiment_args, experiment_words, experiment_work_dir
from mmseg_al.serve.label_studio_api import LabelStudioError
from mmseg_al.serve.server import (basic_auth_from_env, build_live_loop, check_human_oracle,
                                   serve, setup_logging)

# A worker of a killed backend notices within a fraction of a second and lets go.
LOCK_WAIT_S = 10


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_experiment_args(parser)
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (default 127.0.0.1: this machine only)')
    parser.add_argument('--port', type=int, default=9090, help='port (default 9090)')
    parser.add_argument('--project', type=int, default=None,
                        help='the Label Studio project id to serve (default: the first project '
                        'that connects the backend)')
    parser.add_argument('--max-body-mb', type=float, default=64,
                        help='largest request body accepted, in MiB (default 64)')
    parser.add_argument('--verbose', action='store_true',
                        help="show the worker's training logs live")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    words, work_dir = experiment_words(args), experiment_work_dir(args)
    lock = None
    try:
        cfg, seed = experiment_config(args.config, work_dir, args.cfg_options, args.seed)
        check_human_oracle(cfg)
        lock = WorkDirLock(work_dir, 'tools/al_serve.py').acquire(timeout=LOCK_WAIT_S)
        setup_logging(work_dir)
        prepare_or_check(cfg)
        live = build_live_loop(ALLoop(cfg, seed=seed), words, lock_fd=lock.fd,
                               project=args.project, verbose=args.verbose)
        serve(live, args.host, args.port, basic_auth_from_env(),
              int(args.max_body_mb * 1024 * 1024))
    except (AnnotationError, ConfigError, DatasetNotPreparedError, FileNotFoundError,
            LabelStudioError, StateError) as err:
        sys.exit(f'error: {err}')
    finally:
        if lock is not None:
            lock.release()


if __name__ == '__main__':
    main()
