"""Peak resident memory of a block of code, sampled from /proc (Linux).

torch's CPU allocator is invisible to tracemalloc, so the benchmarks measure
the process's resident set size instead: a thread samples it every few
milliseconds while the block runs; the result is the peak above the RSS at
entry. Short-lived spikes between samples can be missed (resolution ~2 ms).
"""
import os
import threading
import time

_PAGE = os.sysconf('SC_PAGE_SIZE')


def rss_bytes():
    """Current resident set size of this process."""
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * _PAGE


class PeakRSS:
    """Context manager: ``.extra`` = peak RSS during the block minus RSS at entry."""

    def __init__(self, interval=0.002):
        self.interval = interval
        self.start = self.peak = self.extra = 0
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(self.interval)

    def __enter__(self):
        self.start = self.peak = rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())
        self.extra = self.peak - self.start
        return False
