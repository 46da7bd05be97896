"""Debian's PgBouncer in transaction pooling mode on a free local port, in front of the test PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.server import free_port

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432


def pgbouncer_installed() -> bool:
    return shutil.which("pgbouncer") is not None or Path("/usr/sbin/pgbouncer").exists()


def _config(port: int, folder: Path, pool_size: int) -> str:
    # Every database of the test server, any user without a password (the test server trusts local
    # connections); at most `pool_size` server connections per database, whatever the clients ask.
    return f"""\
[databases]
* = host={POSTGRES_HOST} port={POSTGRES_PORT}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
max_db_connections = {pool_size}
reserve_pool_size = 0
max_client_conn = 1000
# The app asks for its STATEMENT_TIMEOUT_SECONDS as a startup parameter, which PgBouncer does not pass on;
# behind it the timeout is the server's (docs/deployment.md).
ignore_startup_parameters = statement_timeout
"""


@contextlib.contextmanager
def pgbouncer(pool_size: int = 10, user: str = "postgres") -> Iterator[int]:
    """A running PgBouncer whose pools hold at most `pool_size` connections to each database; yields its port.
    PgBouncer refuses to run as root, so under root it runs as `nobody` (its files are readable by all)."""
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o755)
    port = free_port()
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(_config(port, folder, pool_size))
    for path in folder.iterdir():
        path.chmod(0o644)
    command = [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "nobody"]
    log = (folder / "pgbouncer.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PgBouncer did not start:\n{(folder / 'pgbouncer.log').read_text()}")
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
