import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServerProcess:
    """The app as the Procfile runs it (`python -m server serve`), on a free port."""

    database: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    log_dir: Path | None = None  # beside the database unless given

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_PATH": str(self.database),
            "BASE_URL": self.base,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "SECRET_KEY": "test-secret-key",
            **self.extra_env,
        }

    def start(self, timeout: float = 60.0) -> "ServerProcess":
        return self.spawn().wait_ready(timeout)

    def spawn(self) -> "ServerProcess":
        folder = self.log_dir or self.database.parent
        self.log_path = folder / f"{self.database.stem}.{self.port}.log"
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve"], cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        return self

    def wait_ready(self, timeout: float = 60.0) -> "ServerProcess":
        assert self.proc is not None and self.log_path is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)  # polling for readiness, not synchronising on time
        raise TimeoutError(f"server not ready: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush or close anything."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def demo(self, members: int = 3) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "server", "demo", "--members", str(members), "--json"],
            cwd=ROOT, env=self.env, check=True, capture_output=True, text=True,
        )
        return json.loads(out.stdout)


def start_all(servers: list[ServerProcess]) -> list[ServerProcess]:
    """Start several servers side by side (each takes a second or two to import)."""
    for server in servers:
        server.spawn()
    return [server.wait_ready() for server in servers]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("server") / "panel.sqlite3").start()
    yield proc
    proc.stop()
