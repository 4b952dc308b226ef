"""The draw's worker process ends with the server that started it, even one killed outright."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARENT = """
import os
from server.meetings.draws import _executor
print(_executor().submit(os.getpid).result(), flush=True)
os._exit(0)  # as if killed: the pool is never shut down
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie left for init to reap counts as gone.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def test_the_draw_worker_does_not_outlive_its_server():
    out = subprocess.run([sys.executable, "-c", PARENT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    worker = int(out.stdout.strip())
    deadline = time.monotonic() + 30
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)  # polling the process table: there is no event to wait on
    assert not alive(worker)
