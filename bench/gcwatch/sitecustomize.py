"""Bench-only instrumentation, loaded by Python at start-up when this folder is on PYTHONPATH and
BENCH_GC_LOG is set (BenchServer(gc_log=...) does both for the server it starts): every pass of
the cyclic garbage collector longer than 1 ms is appended to that file as
"<time.monotonic at the end> <generation> <pause ms> <objects collected>". The app is unchanged."""

import gc
import os
import time

_path = os.environ.get("BENCH_GC_LOG")
if _path:
    _log = open(_path, "a", buffering=1)  # noqa: SIM115 - kept open for the life of the process
    _started = [0.0]

    def _watch(phase: str, info: dict) -> None:
        if phase == "start":
            _started[0] = time.perf_counter()
            return
        pause = time.perf_counter() - _started[0]
        if pause > 0.001:
            _log.write(f"{time.monotonic():.6f} {info['generation']} {1000 * pause:.2f} {info['collected']}\n")

    gc.callbacks.append(_watch)
