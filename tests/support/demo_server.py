"""A `sessiondesk serve` process (tests/support/server.py) with the demo data, signed in as its manager,
for attacks and fuzzing sent to a real server; on PostgreSQL it reaches the database through a relay
that a test can cut ("the database goes away") and restore."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from tests.support.databases import POSTGRES_ADMIN_URL
from tests.support.server import free_port, run_command, server_env, serving


class Relay:
    """A TCP relay to PostgreSQL that can be cut (every connection closed, new ones refused) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.connections: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(50)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            self.listener.close()
            self.listener = None
        with self.lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self.connections.clear()


@dataclass
class Server:
    base: str
    pid: int
    token: str
    session_id: int
    relay: Relay | None
    log: Path

    def rss(self, field: str = "VmRSS") -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} for {self.pid}")

    def reset_peak(self) -> None:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextlib.contextmanager
def running_server(backend: str, sessions: int = 40) -> Iterator[Server]:
    """`sessiondesk serve` on a fresh database of `backend` with the demo data, signed in as its manager.
    On PostgreSQL the server reaches the database through a `Relay`, so that a test can take it away."""
    with tempfile.TemporaryDirectory(prefix="sessiondesk-demo-") as folder:
        relay = None
        name = f"sessiondesk_demo_{uuid.uuid4().hex[:8]}"
        admin = POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://")
        database_url = None
        if backend == "postgres":
            asyncio.run(_postgres(admin, f'CREATE DATABASE "{name}"'))
            relay = Relay(("127.0.0.1", 5432))
            relay.start()
            database_url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace(":5432", f":{relay.port}") + f"/{name}"
        env = server_env(folder, database_url)
        try:
            run_command(env, "migrate")
            run_command(env, "seed", "--demo", "--sessions", str(sessions))
            with serving(env, Path(folder) / "server.log", ready="/healthz") as process:
                token = sign_in(process.url)
                with httpx.Client(base_url=process.url, timeout=30) as client:
                    found = client.post(
                        "/graphql",
                        json={"query": "{ sessions(filter: {statuses: [UPCOMING]}, pageSize: 1) { items { id } } }"},
                        headers={"Authorization": f"Bearer {token}"},
                    ).json()
                session_id = int(found["data"]["sessions"]["items"][0]["id"])
                yield Server(process.url, process.pid, token, session_id, relay, process.log)
        finally:
            if relay is not None:
                relay.cut()
                asyncio.run(_postgres(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sign_in(base: str, email: str = "manager@example.org") -> str:
    query = 'mutation($e: String!) { login(email: $e, password: "demo1234") { token errors { message } } }'
    answer = httpx.post(base + "/graphql", json={"query": query, "variables": {"e": email}}, timeout=30).json()
    return answer["data"]["login"]["token"]


async def _postgres(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
