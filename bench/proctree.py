"""Peak memory of each process in a build's process tree, sampled from /proc.

`os.wait4` gives one figure for a build: the largest peak of the build process
and every descendant it waited for. To see which process that was (the build
itself, the forked whoosh indexer, the Pagefind binary), `PeakSampler` reads
each descendant's high-water mark (VmHWM) twice a second while it lives.
Linux only; elsewhere it finds nothing and the table shows no breakdown.
"""

from __future__ import annotations

import os
import threading


def descendants(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out + [d for c in out for d in descendants(c)]


def _peak_mb(pid: int) -> tuple[str, float] | None:
    try:
        with open(f"/proc/{pid}/comm") as f:
            name = f.read().strip()
        with open(f"/proc/{pid}/status") as f:
            return name, next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None


class PeakSampler:
    """`with PeakSampler(pid) as s: ...` then `s.peaks`: {"build": MB, "<child name>": MB, ...}."""

    def __init__(self, pid: int, every: float = 0.5):
        self.pid, self.every = pid, every
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for pid in [self.pid, *descendants(self.pid)]:
                found = _peak_mb(pid)
                if found:
                    name = "build" if pid == self.pid else found[0]
                    self.peaks[name] = round(max(self.peaks.get(name, 0), found[1]), 1)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
