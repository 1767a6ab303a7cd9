"""The background worker: the driver's next cycle, run in a child process of the backend.

The backend never trains. When a batch is imported (or a run has no state yet)
it starts ``python -m mmseg_al.serve.worker`` with the experiment's command-line
words, which runs :class:`ALLoop` exactly as ``tools/al_train.py`` does: the
unfinished phases, until the next batch is exported and waits for labels or the
run is done. A child process keeps training's memory, threads and global state
(mmengine's default scope, loggers, ``gc.freeze``) apart from the server, and a
kill of either ends in a state that the next run resumes from.

The child shares the backend's work-dir lock (its descriptor is passed on), so
the work dir stays locked while either lives, and it ends itself when the
backend is gone (a killed backend must not leave a second driver behind).
"""
import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import traceback

# Environment variables the child has no use for; credentials stay with the server.
_PRIVATE_ENV = ('LABEL_STUDIO_API_KEY', 'LABEL_STUDIO_ACCESS_TOKEN', 'BASIC_AUTH_PASS')
EXIT_FAILED = 2
WORKER_LOG = 'serve_worker.log'  # in the work dir: the worker's console


class CycleWorker:
    """Starts the driver in a child process, one at a time, and reports when it ends.

    Args:
        words (list[str]): the experiment's command-line words
            (:func:`~mmseg_al.serve.experiment.experiment_words`).
        log_file (str): the child's stdout and stderr are appended here.
        lock_fd (int, optional): the work-dir lock's descriptor, shared with the child.
        on_exit (callable, optional): called with the exit code when the child ends.
        verbose (bool): also copy the child's output to this process's stdout.
    """

    def __init__(self, words, log_file, lock_fd=None, on_exit=None, verbose=False):
        self.words, self.log_file, self.lock_fd = list(words), log_file, lock_fd
        self.on_exit, self.verbose = on_exit, verbose
        self._process = None
        self._guard = threading.Lock()
        self.last_exit = None

    def running(self):
        with self._guard:
            return self._process is not None

    def start(self):
        """Start the driver; False if it is running already (never two at once)."""
        with self._guard:
            if self._process is not None:
                return False
            env = {k: v for k, v in os.environ.items() if k not in _PRIVATE_ENV}
            log = open(self.log_file, 'ab')
            log.write(f'\n==== {time.strftime("%Y-%m-%d %H:%M:%S")} worker starts\n'.encode())
            log.flush()
            self._process = subprocess.Popen(
                [sys.executable, '-u', '-m', 'mmseg_al.serve.worker', *self.words],
                stdout=subprocess.PIPE if self.verbose else log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=env,
                pass_fds=(self.lock_fd, ) if self.lock_fd is not None else ())
            threading.Thread(target=self._wait, args=(self._process, log), daemon=True,
                             name='mmseg_al-worker-wait').start()
            return True

    def _wait(self, process, log):
        if self.verbose:
            for line in process.stdout:
                log.write(line)
                sys.stdout.buffer.write(line)
                sys.stdout.flush()
        code = process.wait()
        log.close()
        with self._guard:
            self._process = None
            self.last_exit = code
        if self.on_exit:
            self.on_exit(code)

    def stop(self, timeout=30):
        """End the child (SIGTERM, then SIGKILL); its cycle resumes at the next start."""
        with self._guard:
            process = self._process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def last_error(self):
        """The last line the child wrote (its error message when it failed)."""
        try:
            with open(self.log_file, 'rb') as f:
                f.seek(max(0, os.path.getsize(self.log_file) - 4096))
                lines = [line for line in f.read().decode(errors='replace').splitlines()
                         if line.strip()]
        except OSError:
            return ''
        return lines[-1] if lines else ''


def _end_with_parent(poll_s=0.2):
    """Exit at once when the backend that started this process is gone."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name='mmseg_al-parent-watch').start()


def main(argv=None):
    """Run the unfinished phases of the experiment named by ``argv`` (the worker process)."""
    import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)
    from mmseg_al.datasets.preparation import prepare_or_check
    from mmseg_al.engine.al_loop import ALLoop
    from mmseg_al.engine.console import compact_console
    from mmseg_al.oracle import WaitingForLabels
    from mmseg_al.engine.experiment import experiment_config
    from mmseg_al.serve.experiment import add_experiment_args

    _end_with_parent()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    args = add_experiment_args(argparse.ArgumentParser(prog='mmseg_al.serve.worker')).parse_args(
        argv)
    try:
        cfg, seed = experiment_config(args.config, args.work_dir, args.cfg_options, args.seed)
        prepare_or_check(cfg)
        with compact_console():  # as al_train.py: mmengine's full logs are in cycle_<k>/
            ALLoop(cfg, seed=seed).run()
    except WaitingForLabels as waiting:
        print(f'[mmseg_al] {str(waiting).splitlines()[0]}', flush=True)
    except Exception as err:  # noqa: BLE001  the backend shows this line to a person
        traceback.print_exc()
        print(f'error: {type(err).__name__}: {err}', flush=True)
        sys.exit(EXIT_FAILED)


if __name__ == '__main__':
    main()
