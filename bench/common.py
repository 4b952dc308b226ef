"""Shared machinery for the benchmarks in bench/ (never part of the test run).

- `RawWS`: a minimal WebSocket client on an asyncio.Protocol (no task per socket), so that one load
  process can hold thousands of phones and timestamp every frame with little client overhead.
  It speaks the public contract only (docs/protocol.md): it records each frame's arrival time
  (time.monotonic, which is system-wide on Linux and so comparable across processes) and its
  `data-seq`, keeps the latest `#view`, and matches answers by `data-ack`.
- `Generator`: a load process (multiprocessing, spawn) that holds a share of the phones. The
  coordinator drives it with request/response calls over a pipe.
- `BenchServer` / `BareServer`: the app (`python -m server serve`) and the bare `websockets`
  reference, started pinned to their CPUs and killed on exit (also if the benchmark dies).
- `Placement`: which CPUs and niceness the server and the load get, and a line describing it.
"""

import array
import asyncio
import base64
import ctypes
import json
import math
import multiprocessing as mp
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.conftest import ServerProcess, free_port  # noqa: E402
from tests.support.phone import cookie_header, http_client, join_with_code, open_role  # noqa: E402

now = time.monotonic
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- processes, CPUs and /proc ----------------------------------------------------------------


def die_with_parent() -> None:
    """Linux: get SIGKILL when the process that started us goes away, so nothing is left behind."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Placement:
    """Where the server and the load run. Default on a 2-core machine: the server process (all its
    threads) on CPU 0; the load generators and the coordinator on the remaining CPUs."""

    pin: bool = True
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)

    @property
    def server_cpus(self) -> set[int] | None:
        return {0} if self.pin and self.cores >= 2 else None

    @property
    def load_cpus(self) -> set[int] | None:
        return set(range(1, self.cores)) if self.pin and self.cores >= 2 else None

    @property
    def load_nice(self) -> int:
        # Pinned apart, niceness would only matter against other tenants; unpinned, the load yields.
        return 0 if self.server_cpus else 10

    def apply_to_load(self) -> None:
        if self.load_cpus:
            os.sched_setaffinity(0, self.load_cpus)
        if self.load_nice:
            os.nice(self.load_nice)

    def describe(self, generators: int, phones: int) -> str:
        per = ", ".join(str(n) for n in split_counts(phones, generators))
        if self.server_cpus:
            return (
                f"server process (all threads) pinned to CPU {sorted(self.server_cpus)}; "
                f"{generators} load-generator processes ({per} phones) and the coordinator "
                f"(board, facilitator) pinned to CPU {sorted(self.load_cpus or [])}"
            )
        return (
            f"not pinned: server at nice 0; {generators} load-generator processes ({per} phones) "
            f"and the coordinator at nice +{self.load_nice}, all free to use any CPU"
        )


def machine_line() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"machine: {os.cpu_count()} cores ({model or platform.machine()}), {mem:.0f} GiB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}, clients on {loop}"
    )


def split_counts(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def pin_process(pid: int, cpus: set[int] | None) -> None:
    """Pin every thread of a running process (threads it starts later inherit)."""
    if not cpus:
        return
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all threads, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (granian serves from a worker process it spawns)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in Path(f"/proc/{p}/task/{tid}/children").read_text().split()]
        except OSError:
            pass
    return out


def tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in process_tree(pid):
        try:
            total += cpu_seconds(p)
        except OSError:
            pass
    return total


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class CpuWatch:
    """How busy the whole machine was, and how much of that was ours, between start() and stop().
    Busy = user + nice + system time of all CPUs (/proc/stat); steal (time the hypervisor gave to
    other guests) is reported apart; interrupt time is left out of both."""

    def __init__(self, pids: Iterable[int]) -> None:
        self.pids = list(pids)

    @staticmethod
    def _system() -> tuple[float, float]:
        parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return (parts[0] + parts[1] + parts[2]) / CLK_TCK, parts[7] / CLK_TCK

    def _ours(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                total += cpu_seconds(pid)
            except OSError:
                pass
        return total

    def start(self) -> "CpuWatch":
        self.t0, self.sys0, self.ours0 = now(), self._system(), self._ours()
        return self

    def stop(self) -> dict[str, float]:
        wall = now() - self.t0
        busy, steal = self._system()
        busy -= self.sys0[0]
        steal -= self.sys0[1]
        ours = self._ours() - self.ours0
        return {
            "wall": wall,
            "busy_cores": busy / wall,
            "ours_cores": ours / wall,
            "others_cores": max(0.0, busy - ours) / wall,
            "steal_cores": steal / wall,
            "cores": os.cpu_count() or 1,
        }


def others_line(watch: dict[str, float]) -> str:
    return (
        f"CPU while measuring: busy {watch['busy_cores']:.2f} of {watch['cores']} cores = this benchmark "
        f"{watch['ours_cores']:.2f} + other processes {watch['others_cores']:.2f}"
        f" (hypervisor steal {watch['steal_cores']:.2f})"
    )


async def wait_quiet(own_pids: Iterable[int], max_wait: float, threshold: float = 0.25,
                     window: float = 1.0) -> dict[str, float]:
    """Wait (at most max_wait seconds) for a one-second window in which processes other than ours
    use less than `threshold` of a core; say so on stderr when we had to wait."""
    pids = list(own_pids)
    t0 = now()
    while True:
        watch = CpuWatch(pids).start()
        await asyncio.sleep(window)
        result = watch.stop()
        waited = now() - t0
        if result["others_cores"] < threshold:
            if waited > 1.5 * window:
                print(f".. waited {waited:.0f} s for other processes to go quiet", file=sys.stderr, flush=True)
            return result
        if waited >= max_wait:
            print(f".. other processes still use {result['others_cores']:.2f} cores after {waited:.0f} s; "
                  "measuring anyway", file=sys.stderr, flush=True)
            return result


# -- servers ----------------------------------------------------------------------------------


def _preexec(cpus: set[int] | None):
    def run() -> None:
        die_with_parent()
        if cpus:
            os.sched_setaffinity(0, cpus)

    return run


@dataclass
class BenchServer(ServerProcess):
    """tests.conftest.ServerProcess, started pinned and tied to our lifetime."""

    cpus: set[int] | None = None
    gc_log: Path | None = None  # log the server's garbage-collector pauses there (bench/gcwatch)
    server: str = "uvicorn"  # the ASGI server `python -m server serve` runs (SERVER=)
    root: Path = ROOT  # the source tree the server runs from (another checkout: a before/after run)

    def spawn(self) -> "BenchServer":
        self.extra_env = {**self.extra_env, "SERVER": self.server}
        if self.gc_log is not None:
            self.extra_env = {
                **self.extra_env,
                "BENCH_GC_LOG": str(self.gc_log),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench" / "gcwatch"),
                                                             os.environ.get("PYTHONPATH")])),
            }
        self.log_path = self.database.with_suffix(f".{self.port}.log")
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve"], cwd=self.root, env=self.env, stdout=log, stderr=log,
            preexec_fn=_preexec(self.cpus),
        )
        return self

    def wait_ready(self, timeout: float = 120.0) -> "BenchServer":
        super().wait_ready(timeout)
        pin_process(self.pid, self.cpus)  # belt and braces: every thread
        return self

    def start(self, timeout: float = 120.0) -> "BenchServer":  # a busy machine starts slowly
        return self.spawn().wait_ready(timeout)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def pids(self) -> list[int]:
        """The server's processes: one for uvicorn; granian's supervisor and its worker."""
        return process_tree(self.pid)

    def cpu(self) -> float:
        """CPU seconds of all the server's processes."""
        return tree_cpu_seconds(self.pid)

    def rss(self) -> int:
        """VmRSS of all the server's processes, KiB."""
        return sum(rss_kib(p) for p in self.pids)

    @property
    def host_port(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def gc_pauses(self, since: float, until: float) -> list[tuple[float, int, float]]:
        """(end time, generation, pause ms) of the server's GC passes > 1 ms in [since, until]."""
        if self.gc_log is None or not self.gc_log.exists():
            return []
        out = []
        for line in self.gc_log.read_text().splitlines():
            t, gen, ms, _ = line.split()
            if since <= float(t) <= until:
                out.append((float(t), int(gen), float(ms)))
        return out

    def metrics(self) -> dict[str, float]:
        text = httpx.get(f"{self.base}/metrics", timeout=10).text
        return {m[0]: float(m[1]) for m in re.findall(r"^(ip_\w+) (\S+)$", text, re.M)}


@dataclass
class BareServer:
    """bench/bare_ws.py: the bare websockets.broadcast reference."""

    cpus: set[int] | None = None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> "BareServer":
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bare_ws.py"), "--port", str(self.port)],
            cwd=ROOT, preexec_fn=_preexec(self.cpus), stdout=subprocess.DEVNULL,
        )
        deadline = now() + timeout
        while now() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("bare server exited")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pin_process(self.proc.pid, self.cpus)
                    return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("bare server not ready")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


# -- the raw WebSocket client -----------------------------------------------------------------


@dataclass(slots=True)
class Ack:
    t: float
    seq: int
    nonce: str
    result: str
    reason: str | None


def _ws_frame(opcode: int, data: bytes) -> bytes:
    """A masked client frame."""
    n = len(data)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    if n:
        key = (mask * (n // 4 + 1))[:n]
        data = (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")
    return head + mask + data


class RawWS(asyncio.Protocol):
    """One WebSocket, parsed by hand. Records (arrival time, data-seq, size) of every text frame."""

    def __init__(self, host: str, port: int, path: str, cookies: dict[str, str] | None = None,
                 extensions: str = "") -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            + (f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else "")
            + "".join(f"{k}: {v}\r\n" for k, v in cookie_header(cookies or {}).items())
            + "\r\n"
        ).encode()
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.first_view: asyncio.Future[float] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.is_open = False
        self.closed = False
        self.fragments: list[bytes] = []
        self.ts = array.array("d")
        self.seqs = array.array("q")
        self.sizes = array.array("l")
        self.kinds = bytearray()  # b"v" view, b"a" answer, b"o" other
        self.last_view = b""
        self.max_seq = -1
        self.waiters: dict[str, asyncio.Future[Ack]] = {}
        self.acks: dict[str, Ack] = {}
        self.wire_in = 0  # bytes received, handshake included
        self.wire_out = 0
        self.handshake_bytes = 0
        self.handshake = ""  # the server's upgrade response
        self.pings = 0  # keep-alive pings the server sent
        self.close_code: int | None = None  # the code of the server's close frame, if it sent one

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed before the upgrade: {exc}"))
        for fut in self.waiters.values():
            if not fut.done():
                fut.set_exception(ConnectionError("socket closed"))
        if not self.first_view.done():
            self.first_view.set_exception(ConnectionError("socket closed before the first view"))
            self.first_view.exception()  # consumed: nobody may be waiting

    def data_received(self, data: bytes) -> None:
        t = now()
        self.wire_in += len(data)
        buf = self.buf
        buf += data
        if not self.is_open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end])
            self.handshake = head.decode("latin-1")
            del buf[: end + 4]
            self.handshake_bytes = end + 4
            status = head.split(b"\r\n", 1)[0]
            if b" 101 " not in status + b" ":
                self.opened.set_exception(ConnectionRefusedError(status.decode(errors="replace")))
                self.transport.close()  # type: ignore[union-attr]
                return
            self.is_open = True
            self.opened.set_result(None)
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n = b1 & 0x7F
            off = 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, off = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, off = int.from_bytes(buf[2:10], "big"), 10
            if b1 & 0x80:
                off += 4  # servers do not mask; tolerate it anyway (ignored below)
            if len(buf) < off + n:
                return
            payload = bytes(buf[off : off + n])
            del buf[: off + n]
            self._frame(b0 & 0x80, b0 & 0x0F, payload, t)

    # frames

    def _frame(self, fin: int, opcode: int, payload: bytes, t: float) -> None:
        if opcode == 0x9:  # ping
            self.pings += 1
            self._write(_ws_frame(0xA, payload))
            return
        if opcode == 0x8:  # close
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.closed:
                self._write(_ws_frame(0x8, payload[:2]))
                self.transport.close()  # type: ignore[union-attr]
            return
        if opcode in (0x1, 0x2, 0x0):
            if not fin:
                self.fragments.append(payload)
                return
            if self.fragments:
                payload = b"".join(self.fragments) + payload
                self.fragments.clear()
            self._message(payload, t)

    def _message(self, p: bytes, t: float) -> None:
        seq = -1
        i = p.find(b'data-seq="', 0, 400)
        if i >= 0:
            j = p.find(b'"', i + 10)
            seq = int(p[i + 10 : j])
        if seq > self.max_seq:
            self.max_seq = seq
        kind = 0x6F  # o
        if p.startswith(b'<div id="view"'):
            kind = 0x76  # v
            self.last_view = p
            if not self.first_view.done():
                self.first_view.set_result(t)
        elif p.startswith(b'<div id="notice"'):
            kind = 0x61  # a
            k = p.find(b'data-ack="', 0, 400)
            nonce = p[k + 10 : p.find(b'"', k + 10)].decode() if k >= 0 else ""
            r = p.find(b'data-result="', 0, 400)
            result = p[r + 13 : p.find(b'"', r + 13)].decode() if r >= 0 else ""
            reason = None
            q = p.find(b'data-reason="', 0, 400)
            if q >= 0:
                reason = p[q + 13 : p.find(b'"', q + 13)].decode()
            ack = Ack(t, seq, nonce, result, reason)
            self.acks[nonce] = ack
            fut = self.waiters.pop(nonce, None)
            if fut is not None and not fut.done():
                fut.set_result(ack)
            v = p.find(b'<div id="view"')
            if v >= 0:
                self.last_view = p[v:]
        self.ts.append(t)
        self.seqs.append(seq)
        self.sizes.append(len(p))
        self.kinds.append(kind)

    # sending

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.wire_out += len(data)
            self.transport.write(data)

    def send_text(self, text: str) -> float:
        """Send one text frame; returns the time it was handed to the kernel."""
        frame = _ws_frame(0x1, text.encode())
        t = now()
        self._write(frame)
        return t

    def send_command(self, cmd: str, **fields: object) -> tuple[str, float, asyncio.Future[Ack]]:
        nonce = secrets.token_hex(8)
        fut = asyncio.get_running_loop().create_future()
        self.waiters[nonce] = fut
        t = self.send_text(json.dumps({"cmd": cmd, "nonce": nonce, **fields}))
        return nonce, t, fut

    async def command(self, cmd: str, timeout: float = 30.0, **fields: object) -> Ack:
        _, _, fut = self.send_command(cmd, **fields)
        ack = await asyncio.wait_for(fut, timeout)
        if ack.result != "ok":
            raise RuntimeError(f"{cmd} {fields} refused: {ack.reason}")
        return ack

    async def wait(self, predicate, timeout: float = 30.0, step: float = 0.01) -> None:
        deadline = now() + timeout
        while not predicate(self):
            if self.closed:
                raise ConnectionError("socket closed while waiting")
            if now() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(step)

    # bookkeeping

    def mark(self) -> None:
        """Forget the frames so far: what follows belongs to the next phase."""
        self.ts = array.array("d")
        self.seqs = array.array("q")
        self.sizes = array.array("l")
        self.kinds = bytearray()

    def latencies(self, actions: Sequence[tuple[float, int]]) -> tuple[list[float], int]:
        """For each (sent at, seq) in seq order: time to the first frame with data-seq >= seq."""
        out: list[float] = []
        missing = 0
        ptr, n = 0, len(self.seqs)
        for sent, seq in actions:
            while ptr < n and self.seqs[ptr] < seq:
                ptr += 1
            if ptr < n:
                out.append(self.ts[ptr] - sent)
            else:
                missing += 1
        return out, missing

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._write(_ws_frame(0x8, (1000).to_bytes(2, "big")))
            self.transport.close()


async def open_ws(host: str, port: int, path: str, cookies: dict[str, str] | None = None,
                  timeout: float = 60.0, extensions: str = "") -> RawWS:
    loop = asyncio.get_running_loop()
    _, proto = await asyncio.wait_for(
        loop.create_connection(lambda: RawWS(host, port, path, cookies, extensions), host, port), timeout
    )
    await asyncio.wait_for(proto.opened, timeout)
    return proto


def room_path(code: str, audience: str = "participant") -> str:
    return f"/ws/rooms/{code}?as={audience}"


def split_base(base: str) -> tuple[str, int]:
    u = urlsplit(base)
    return u.hostname or "127.0.0.1", u.port or 80


# -- statistics -------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(q * len(s)) - 1))]


def summary(values_s: Sequence[float]) -> dict[str, float]:
    if not values_s:
        return {"n": 0, "p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
    ms = [1000 * v for v in values_s]
    return {"n": len(ms), "p50": pct(ms, 0.50), "p95": pct(ms, 0.95), "p99": pct(ms, 0.99), "max": max(ms)}


def fmt_row(label: str, s: dict[str, float], extra: str = "", width: int = 34) -> str:
    return (
        f"  {label:<{width}} n={int(s['n']):>6}  p50 {s['p50']:8.1f}  p95 {s['p95']:8.1f}  "
        f"p99 {s['p99']:8.1f}  max {s['max']:8.1f} ms{('  ' + extra) if extra else ''}"
    )


def fmt_ratio(label: str, a: dict[str, float], b: dict[str, float], width: int = 34) -> str:
    def r(k: str) -> str:
        return f"{a[k] / b[k]:8.2f}" if b[k] and not math.isnan(b[k]) and not math.isnan(a[k]) else "     n/a"

    return f"  {label:<{width}}           p50 {r('p50')}× p95 {r('p95')}× p99 {r('p99')}× max {r('max')}×"


# -- load generator processes -----------------------------------------------------------------


class Generator:
    """A load process holding a share of the phones; `await call(op, **kwargs)` runs `op_<op>`."""

    def __init__(self, name: str, placement: Placement) -> None:
        ctx = mp.get_context("spawn")
        self.name = name
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_generator_main, args=(child, placement), name=name, daemon=True)
        self.proc.start()
        child.close()

    def _call(self, op: str, kwargs: dict) -> object:
        self.conn.send((op, kwargs))
        status, value = self.conn.recv()
        if status == "error":
            raise RuntimeError(f"{self.name}.{op} failed:\n{value}")
        return value

    async def call(self, op: str, **kwargs: object) -> object:
        return await asyncio.get_running_loop().run_in_executor(None, self._call, op, kwargs)

    @property
    def pid(self) -> int:
        return self.proc.pid  # type: ignore[return-value]

    def stop(self) -> None:
        try:
            if self.proc.is_alive():
                self.conn.send(("exit", {}))
        except (OSError, BrokenPipeError):
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


async def all_call(gens: Sequence[Generator], op: str, per: Sequence[dict] | None = None, **kwargs: object) -> list:
    """Call the same op on every generator at once (per-generator kwargs optional)."""
    return list(await asyncio.gather(*(
        g.call(op, **{**kwargs, **(per[i] if per else {})}) for i, g in enumerate(gens)
    )))


def _generator_main(conn, placement: Placement) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when we stop
    placement.apply_to_load()
    try:
        import uvloop

        asyncio.run(_serve(conn), loop_factory=uvloop.new_event_loop)
    except ImportError:
        asyncio.run(_serve(conn))


async def _serve(conn) -> None:
    loop = asyncio.get_running_loop()
    load = Load()
    try:
        while True:
            try:
                op, kwargs = await loop.run_in_executor(None, conn.recv)
            except (EOFError, OSError):
                break
            if op == "exit":
                break
            try:
                load.group = kwargs.pop("group", "main")
                result = ("ok", await getattr(load, f"op_{op}")(**kwargs))
            except Exception:
                result = ("error", traceback.format_exc())
            conn.send(result)
    finally:
        await load.op_close()


class Load:
    """What one generator process does. Phones are indexed 0..n-1 within the process and kept in
    groups (`group=` on every call, default "main"): one group per server when several servers
    are measured side by side."""

    def __init__(self) -> None:
        self._phones: dict[str, list[RawWS]] = {}
        self._cookies: dict[str, list[dict[str, str]]] = {}
        self.group = "main"
        self.http: httpx.AsyncClient | None = None

    @property
    def phones(self) -> list[RawWS]:
        return self._phones.setdefault(self.group, [])

    @phones.setter
    def phones(self, value: list[RawWS]) -> None:
        self._phones[self.group] = value

    @property
    def cookies(self) -> list[dict[str, str]]:
        return self._cookies.setdefault(self.group, [])

    @cookies.setter
    def cookies(self, value: list[dict[str, str]]) -> None:
        self._cookies[self.group] = value

    def _http(self) -> httpx.AsyncClient:
        if self.http is None:
            self.http = http_client(
                timeout=120,
                # Below uvicorn's 5 s keep-alive timeout, so a connection the server is closing is never reused.
                limits=httpx.Limits(max_connections=256, max_keepalive_connections=256, keepalive_expiry=2.0),
            )
        return self.http

    async def op_join(self, base: str, code: str, count: int, starts: list[float] | None = None,
                      concurrency: int = 32, page: bool = True, assets: bool = False,
                      connect: bool = True) -> list[dict]:
        """Join `count` phones by code (join page, form post, and the participant page), then open
        each one's socket and wait for its first #view. With `starts`, phone i begins at starts[i]
        (monotonic); otherwise as fast as `concurrency` allows."""
        http = self._http()
        host, port = split_base(base)
        sem = asyncio.Semaphore(concurrency if starts is None else 10_000)
        first = len(self.phones)
        self.phones.extend([None] * count)  # type: ignore[list-item]
        self.cookies.extend([{}] * count)
        timings: list[dict] = [{} for _ in range(count)]
        asset_paths: list[str] = []

        async def one(i: int) -> None:
            if starts is not None:
                await asyncio.sleep(max(0.0, starts[i] - now()))
            async with sem:
                t0 = now()
                client = await join_with_code(http, base, code)
                t_joined = now()
                if page:
                    r = await http.get(f"{base}/r/{code}", headers=cookie_header(client.cookies))
                    if r.status_code != 200:
                        raise RuntimeError(f"participant page {r.status_code}")
                    if assets:
                        paths = asset_paths or re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text)
                        for path in paths:
                            # Read as transferred (gzip): decoding is not the server's work.
                            async with http.stream("GET", f"{base}{path}", headers={"Accept-Encoding": "gzip, br"}) as a:
                                async for _ in a.aiter_raw():
                                    pass
                t_page = now()
                self.cookies[first + i] = client.cookies
                timing = {"start": t0, "joined": t_joined, "page": t_page}
                if connect:
                    ws = await open_ws(host, port, room_path(code), client.cookies)
                    timing["open"] = now()
                    self.phones[first + i] = ws
                    timing["view"] = await asyncio.wait_for(ws.first_view, 120)
                timings[i] = timing

        await asyncio.gather(*(one(i) for i in range(count)))
        return timings

    async def op_connect(self, base: str, code: str, concurrency: int = 64) -> list[dict]:
        """Open the sockets of phones that joined with connect=False."""
        host, port = split_base(base)
        sem = asyncio.Semaphore(concurrency)
        timings: list[dict] = [{} for _ in self.cookies]

        async def one(i: int) -> None:
            async with sem:
                t0 = now()
                ws = await open_ws(host, port, room_path(code), self.cookies[i])
                self.phones[i] = ws
                timings[i] = {"start": t0, "open": now(), "view": await asyncio.wait_for(ws.first_view, 120)}

        await asyncio.gather(*(one(i) for i, ws in enumerate(self.phones) if ws is None))
        return timings

    async def op_connect_bare(self, host: str, port: int, count: int, concurrency: int = 64) -> int:
        sem = asyncio.Semaphore(concurrency)

        async def one() -> RawWS:
            async with sem:
                return await open_ws(host, port, "/")

        self.phones = list(await asyncio.gather(*(one() for _ in range(count))))
        return len(self.phones)

    async def op_wait_views(self, contains: str, timeout: float = 60.0) -> float:
        """Until every phone's latest #view contains `contains`; returns how long it took."""
        needle = contains.encode()
        t0 = now()
        while True:
            waiting = [p for p in self.phones if needle not in p.last_view]
            if not waiting:
                return now() - t0
            if now() - t0 > timeout:
                raise TimeoutError(f"{len(waiting)} phones never showed {contains!r}")
            await asyncio.sleep(0.02)

    async def op_wait_seq(self, seq: int, timeout: float = 30.0) -> int:
        """Until every phone has seen a frame with data-seq >= seq; returns how many never did."""
        t0 = now()
        while now() - t0 < timeout:
            if all(p.max_seq >= seq for p in self.phones):
                return 0
            await asyncio.sleep(0.02)
        return sum(1 for p in self.phones if p.max_seq < seq)

    async def op_mark(self) -> None:
        for p in self.phones:
            p.mark()

    async def op_send_sequences(self, plan: list[tuple[int, float, list[str]]], expect_ack: bool = True,
                                timeout: float = 60.0) -> list[list[tuple[float, float, int, str, str | None]]]:
        """For each (phone, start at, messages): at `start at` send the messages one by one, each
        after the answer to the previous one (expect_ack) or back to back. Returns per entry, per
        message: (sent, answered, answer's data-seq, result, reason); answered/seq are -1 without
        answers."""

        async def run(index: int, start: float, messages: list[str]) -> list[tuple]:
            ws = self.phones[index]
            await asyncio.sleep(max(0.0, start - now()))
            out = []
            for text in messages:
                if expect_ack:
                    nonce = json.loads(text)["nonce"]
                    fut = asyncio.get_running_loop().create_future()
                    ws.waiters[nonce] = fut
                    sent = ws.send_text(text)
                    ack = await asyncio.wait_for(fut, timeout)
                    out.append((sent, ack.t, ack.seq, ack.result, ack.reason))
                else:
                    out.append((ws.send_text(text), -1.0, -1, "", None))
            return out

        return list(await asyncio.gather(*(run(i, s, m) for i, s, m in plan)))

    async def op_send_mixed(self, plan: list[tuple[str, int, float, str, bool]], timeout: float = 60.0) -> list[tuple]:
        """One message per entry (group, phone, at, text, expect_ack), all entries concurrently, so
        that several groups (servers) can be driven interleaved. Returns per entry (sent, answered,
        answer's data-seq, result, reason); answered/seq are -1 without answers."""

        async def run(group: str, index: int, at: float, text: str, expect_ack: bool) -> tuple:
            ws = self._phones[group][index]
            await asyncio.sleep(max(0.0, at - now()))
            if not expect_ack:
                return (ws.send_text(text), -1.0, -1, "", None)
            nonce = json.loads(text)["nonce"]
            fut = asyncio.get_running_loop().create_future()
            ws.waiters[nonce] = fut
            sent = ws.send_text(text)
            ack = await asyncio.wait_for(fut, timeout)
            return (sent, ack.t, ack.seq, ack.result, ack.reason)

        return list(await asyncio.gather(*(run(*entry) for entry in plan)))

    async def op_open_count(self) -> int:
        """How many of this group's phones still have their socket open."""
        return sum(1 for p in self.phones if p is not None and p.is_open and not p.closed)

    async def op_view_size(self) -> int:
        """The median size of the latest #view of this group's phones."""
        sizes = sorted(len(p.last_view) for p in self.phones)
        return sizes[len(sizes) // 2] if sizes else 0

    async def op_latencies(self, actions: list[tuple[float, int]], only: list[int] | None = None) -> dict:
        lat: list[float] = []
        missing = 0
        phones = self.phones if only is None else [self.phones[i] for i in only]
        for p in phones:
            got, miss = p.latencies(actions)
            lat.extend(got)
            missing += miss
        return {"latencies": lat, "missing": missing}

    async def op_frame_stats(self) -> dict:
        view_sizes: list[int] = []
        frames = 0
        for p in self.phones:
            frames += len(p.seqs)
            view_sizes.extend(s for s, k in zip(p.sizes, p.kinds) if k == 0x76)
        view_sizes.sort()
        return {"frames": frames, "view_sizes": view_sizes[len(view_sizes) // 2] if view_sizes else 0,
                "views": len(view_sizes)}

    async def op_close(self) -> None:
        """Close every phone of every group."""
        for phones in self._phones.values():
            for p in phones:
                if p is not None:
                    p.close()
        self._phones.clear()
        self._cookies.clear()
        if self.http is not None:
            await self.http.aclose()
            self.http = None
        await asyncio.sleep(0.2)  # let the close frames go out


# -- the coordinator's side -------------------------------------------------------------------


def install_signal_exit() -> None:
    """SIGTERM/SIGHUP -> SystemExit, so `finally` blocks stop every process we started."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))


def run_main(coro_factory) -> None:
    install_signal_exit()
    try:
        import uvloop

        asyncio.run(coro_factory(), loop_factory=uvloop.new_event_loop)
    except ImportError:
        asyncio.run(coro_factory())


IDEAS = [
    "Flere benker og skygge langs turveien ved elva, så eldre kan ta pauser på vei til sentrum.",
    "Gatelys på snarveien mellom skolen og idrettshallen, den er helt mørk om vinteren.",
    "Et felles verksted der vi kan låne verktøy og reparere sykler og småting sammen.",
    "Tryggere skolevei: fartsdumper og fotgjengerfelt ved krysset ved butikken.",
    "Parsellhager på den tomme tomta bak biblioteket, med vann og et lite redskapsskur.",
    "Bussen bør gå hver halvtime også på kveldstid og i helgene, ikke bare i rushtiden.",
    "En møteplass for ungdom med åpent hus på fredager, styrt av ungdommene selv.",
    "Flere søppeldunker og kildesortering ved badeplassen, og tømming oftere om sommeren.",
]


def moderation(k: int, ideas: int = len(IDEAS)) -> tuple[str, str]:
    """The k-th facilitator action of a phase in which every phone's view changes, starting with
    idea 1 hidden (`MODERATION_START`): hide the next idea, show the previous one, and so on
    round the list. Each view differs from the one before, and a view repeats only after 2 ×
    ideas actions. (Hiding and showing one idea, as the first runs did, lets two actions handled
    in one batch by a server that has fallen behind undo each other: nothing changed, so no view
    is sent (docs/protocol.md), and a benchmark waiting for a frame with the newest data-seq
    waits forever. That was the "stalled views" of bench/README.md.)"""
    j = k // 2
    if k % 2 == 0:
        return "hide", f"r0i{(j + 1) % ideas + 1}"
    return "show", f"r0i{j % ideas + 1}"


MODERATION_START = ("hide", "r0i1")


def hidden_after(actions: int) -> set[str]:
    """The ideas `moderation` leaves hidden after that many actions (from `MODERATION_START`)."""
    hidden = {MODERATION_START[1]}
    for k in range(actions):
        cmd, item = moderation(k)
        (hidden.add if cmd == "hide" else hidden.discard)(item)
    return hidden


def command_text(cmd: str, **fields: object) -> str:
    return json.dumps({"cmd": cmd, "nonce": secrets.token_hex(8), **fields})


async def role_socket(base: str, link: str, audience: str) -> RawWS:
    """Open a board or facilitator link (key -> cookie) and connect its socket."""
    async with http_client(timeout=30) as http:
        client = await open_role(http, link, audience)
    host, port = split_base(base)
    ws = await open_ws(host, port, room_path(client.room, audience), client.cookies)
    await asyncio.wait_for(ws.first_view, 30)
    return ws


async def phone_socket(base: str, code: str) -> RawWS:
    async with http_client(timeout=30) as http:
        client = await join_with_code(http, base, code)
    host, port = split_base(base)
    ws = await open_ws(host, port, room_path(code), client.cookies)
    await asyncio.wait_for(ws.first_view, 30)
    return ws


class Stack:
    """Everything a benchmark started, stopped in reverse order whatever happens."""

    def __init__(self) -> None:
        self.items: list[object] = []

    def add(self, item):
        self.items.append(item)
        return item

    def close(self) -> None:
        while self.items:
            item = self.items.pop()
            try:
                item.stop()  # type: ignore[attr-defined]
            except Exception as exc:  # keep stopping the rest
                print(f"warning: could not stop {item!r}: {exc}", file=sys.stderr)
