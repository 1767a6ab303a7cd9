"""Run one benchmark case in a fresh spawned process and get its result back.

A fresh process has its own peak memory, allocator and CUDA state, so cases measured
one after another do not see each other's (a spawned child imports this checkout
anew: the benchmark's module must be importable, and its target a module-level
function).
"""
import multiprocessing


def run_in_child(target, *args):
    """Call ``target(*args, results)`` in a spawned process; return what it put on ``results``.

    Raises:
        RuntimeError: the child failed (its traceback is on stderr).
    """
    context = multiprocessing.get_context('spawn')
    results = context.Queue()
    process = context.Process(target=target, args=(*args, results))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f'{target.__name__}{args!r:.200} failed in its process (exit code '
                           f'{process.exitcode})')
    return results.get()
