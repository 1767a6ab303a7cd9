"""Put the backend together for one experiment and serve it (the body of tools/al_serve.py)."""
import logging
import os
import os.path as osp
import signal

from mmseg_al.annotation import labeling_config
from mmseg_al.config_error import ConfigError
from mmseg_al.fileio import atomic_write_text
from mmseg_al.serve.app import MAX_BODY, create_app
from mmseg_al.serve.label_studio_api import LabelStudioAPI
from mmseg_al.serve.live_loop import LiveLoop
from mmseg_al.serve.predictor import Predictor
from mmseg_al.serve.worker import WORKER_LOG, CycleWorker

logger = logging.getLogger('mmseg_al.serve')
LABELING_CONFIG_FILE = 'label_studio_labeling_config.xml'
SERVE_LOG = 'serve.log'


def basic_auth_from_env(environ=None):
    """``(user, password)`` from ``BASIC_AUTH_USER`` / ``BASIC_AUTH_PASS``, or None."""
    environ = os.environ if environ is None else environ
    user, password = environ.get('BASIC_AUTH_USER'), environ.get('BASIC_AUTH_PASS')
    return (user, password) if user and password else None


def setup_logging(work_dir):
    """One line per event on the console; the same with times in ``<work_dir>/serve.log``."""
    log = logging.getLogger('mmseg_al.serve')
    log.setLevel(logging.INFO)
    log.propagate = False
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter('[mmseg_al] %(message)s'))
    os.makedirs(work_dir, exist_ok=True)
    file = logging.FileHandler(osp.join(work_dir, SERVE_LOG))
    file.setFormatter(logging.Formatter('%(asctime)s %(levelname)s %(message)s'))
    log.handlers[:] = [console, file]


def check_human_oracle(cfg):
    """Refuse a run whose labels do not come from people, before anything is written."""
    oracle = cfg.get('active_learning', {}).get('oracle', 'dataset')
    kind = oracle.get('type', 'dataset') if isinstance(oracle, dict) else oracle
    if kind != 'human':
        raise ConfigError('tools/al_serve.py serves a run whose labels come from people: set '
                          f"active_learning.oracle='human' (the config has {kind!r}).")


def build_live_loop(loop, words, lock_fd=None, project=None, verbose=False, api='env'):
    """The :class:`LiveLoop` of a driver whose oracle is human.

    Args:
        loop (ALLoop): the experiment's driver, built (its state exists afterwards).
        words (list[str]): the experiment's command-line words, for the worker.
        lock_fd (int, optional): the work-dir lock, shared with the worker.
        project (int, optional): the Label Studio project to serve.
        api: a :class:`LabelStudioAPI`, None, or ``'env'`` to read ``LABEL_STUDIO_URL``.
    """
    check_human_oracle(loop.cfg)
    oracle = loop.oracle
    predictor = Predictor(loop.cfg, oracle.query_dataset, oracle.image_url,
                          oracle.document_root, oracle.batch_size)
    metainfo = predictor.dataset.metainfo
    atomic_write_text(osp.join(loop.work_dir, LABELING_CONFIG_FILE),
                      labeling_config(list(metainfo['classes']), metainfo['palette']))
    worker = CycleWorker(words, osp.join(loop.work_dir, WORKER_LOG), lock_fd=lock_fd,
                         verbose=verbose)
    live = LiveLoop(loop.work_dir, loop.num_cycles, predictor.classes, predictor, worker,
                    api=LabelStudioAPI.from_env() if api == 'env' else api, project=project)
    worker.on_exit = live.worker_ended
    return live


def serve(live, host='127.0.0.1', port=9090, basic_auth=None, max_body=MAX_BODY, threads=4):
    """Serve the backend until SIGINT or SIGTERM; the worker is stopped on the way out."""
    from waitress import create_server
    server = create_server(create_app(live, basic_auth, max_body), host=host, port=port,
                           threads=threads, max_request_body_size=max_body,
                           ident='mmseg_al', clear_untrusted_proxy_headers=True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    live.start()
    logger.info(f'ML backend for Label Studio at http://{host}:{server.effective_port} '
                f'(work dir {live.work_dir})')
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        logger.info('stopping')
        live.stop()
        live.worker.stop()
        server.close()
