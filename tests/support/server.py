"""`sessiondesk serve` in a process of its own, as an operator runs it: the one harness of every test that
needs a real server process, and the deadline-bound waits that go with it (`wait_until`)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
# The project's own CLI: .venv's, or the one beside the Python running the tests (CI's own environment).
SESSIONDESK = next(
    (p for p in (ROOT / ".venv" / "bin" / "sessiondesk", Path(sys.executable).parent / "sessiondesk") if p.exists()),
    Path(sys.executable).parent / "sessiondesk",
)
# A real-length key: `serve` refuses a short or placeholder one unless DEBUG is on.
SECRET_KEY = "server-process-test-key-" + "k" * 40
# What a loaded, shared 2-core machine may take to start Python and the app.
START_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(predicate: Callable[[], T], timeout: float, what: str, every: float = 0.05) -> T:
    """`predicate()` once it is true (and returns it), asked every `every` s; fails naming `what` when it is
    not true within `timeout` s. The deadline is only there for a test that would otherwise hang."""
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(every)
    return found


def fact(predicate: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    """A plain predicate as `wait_until_async` asks it: fact(lambda: len(inbox) == 2)."""

    async def asked() -> T:
        return predicate()

    return asked


async def wait_until_async(predicate: Callable[[], Awaitable[T]], timeout: float, what: str, every: float = 0.05) -> T:
    """`wait_until` for an awaitable predicate, without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while not (found := await predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(every)
    return found


def server_env(data_dir: Path | str, database_url: str | None = None, **settings: str) -> dict[str, str]:
    """This process's environment for a `sessiondesk` command, with its own DATA_DIR, database and settings
    (none inherited from the caller's DATABASE_URL, SMTP_URL or DATA_DIR)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SMTP_URL", "DATA_DIR")}
    # Mail goes out at once unless a test holds it for a settle window (MAIL_SETTLE_SECONDS).
    env.update(DATA_DIR=str(data_dir), SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1", MAIL_SETTLE_SECONDS="0")
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(settings)
    return env


def run_command(env: Mapping[str, str], *args: str, command: Path = SESSIONDESK, cwd: Path = ROOT) -> str:
    """`sessiondesk <args>` run to its end (migrate, seed, …); its output, or a failure showing it."""
    done = subprocess.run([str(command), *args], cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise AssertionError(f"sessiondesk {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


class ServerProcess:
    """`sessiondesk serve` on a free port (or another long-running command such as `worker`), its output (both
    streams) kept in `log`. `ready()` waits until it answers; `stop()` sends SIGTERM as an orchestrator does;
    `kill()` stops it as a dying machine would."""

    def __init__(
        self,
        env: Mapping[str, str],
        log: Path,
        *args: str,
        command: Path = SESSIONDESK,
        cwd: Path = ROOT,
        verb: str = "serve",
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        where = ["--host", "127.0.0.1", "--port", str(self.port)] if verb == "serve" else []
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [str(command), verb, *where, *args],
                cwd=cwd,
                env=dict(env),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers, if any, stop and die with it
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text()

    def answers(self, path: str) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the server stopped (exit {self.process.returncode}):\n{self.output()[-5000:]}")
        try:
            return httpx.get(self.url + path, timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def ready(self, path: str = "/readyz") -> ServerProcess:
        try:
            wait_until(lambda: self.answers(path), START_SECONDS, f"the server answering {path}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.output()[-5000:]}") from None
        return self

    def stop(self) -> str:
        """SIGTERM, and its whole output once it has stopped."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.output()

    def kill(self) -> None:
        """SIGKILL to it and its workers: no shutdown, no hand-over."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@contextmanager
def serving(env: Mapping[str, str], log: Path, *args: str, ready: str | None = "/readyz") -> Iterator[ServerProcess]:
    """A `ServerProcess`, answering `ready` (unless None) when the block starts, stopped when it ends."""
    server = ServerProcess(env, log, *args)
    try:
        if ready is not None:
            server.ready(ready)
        yield server
    finally:
        server.stop()
