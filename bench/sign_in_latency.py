"""How much sign-ins slow everyone else down: the latency of `{ viewer { id } }` on a running
`sessiondesk serve` (one worker), alone and while LOOPS clients sign in over and over.

    .venv/bin/python bench/sign_in_latency.py [--loops 4] [--seconds 10] [--server-root DIR]

`--server-root` serves the `backend` package found in DIR instead (e.g. an older version unpacked with
`git archive <commit> | tar -x -C DIR`), to compare; the database is still prepared by this version.

Argon2 takes tens of milliseconds of CPU per check; run on the event loop it would hold up every other
request of the process for that long. SessionDesk runs it in worker threads (backend/auth.py). The sign-ins
use a wrong password for a fresh e-mail each time, so the throttle (5 failures per e-mail) never answers
before Argon2 does, and the client address limit is lifted by clearing the failure table as it goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from itertools import count
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from throwaway import free_port, throwaway_environment  # noqa: E402

from backend.auth import hash_password, issue_token  # noqa: E402
from backend.db import close_database, migrate, open_database  # noqa: E402
from backend.models import Organization, SignInFailure, User  # noqa: E402
from backend.settings import load_settings, use_settings  # noqa: E402

LOGIN = 'mutation($e: String!) { login(email: $e, password: "wrong-password") { token errors { code } } }'


async def viewer_latencies(client: httpx.AsyncClient, token: str, seconds: float) -> list[float]:
    found, deadline = [], time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": "{ viewer { id } }"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.json()["data"]["viewer"], response.text
        found.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.02)
    return found


async def sign_in_loop(client: httpx.AsyncClient, numbers: count, stop: asyncio.Event) -> int:
    done = 0
    while not stop.is_set():
        response = await client.post("/graphql", json={"query": LOGIN, "variables": {"e": f"x{next(numbers)}@b.test"}})
        assert response.json()["data"]["login"]["errors"][0]["code"] == "INVALID", response.text
        done += 1
    return done


async def main(loops: int, seconds: float, server_root: Path) -> None:
    async with throwaway_environment(False, "") as env:
        settings = use_settings(load_settings(env))
        await migrate(settings)
        await open_database(settings)
        org = await Organization.create(name="Bench")
        user = await User.create(
            organization=org, email="m@b.test", name="M", password_hash=hash_password("p"), is_manager=True
        )
        token = await issue_token(user)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
            cwd=server_root,
            env={**os.environ, **env, "PYTHONPATH": str(server_root)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                for _ in range(200):
                    try:
                        await client.get("/")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                alone = await viewer_latencies(client, token, seconds)
                stop, numbers = asyncio.Event(), count()

                async def forget_failures() -> None:  # keeps the per-address limit out of the way
                    while not stop.is_set():
                        await SignInFailure.all().delete()
                        await asyncio.sleep(1)

                signers = [asyncio.create_task(sign_in_loop(client, numbers, stop)) for _ in range(loops)]
                cleaner = asyncio.create_task(forget_failures())
                busy = await viewer_latencies(client, token, seconds)
                stop.set()
                sign_ins = sum(await asyncio.gather(*signers))
                await cleaner
        finally:
            server.terminate()
            server.wait(10)
            await close_database()
    print(f"{{ viewer {{ id }} }} alone: median {statistics.median(alone):.1f} ms ({len(alone)} requests)")
    print(
        f"with {loops} sign-in loops: median {statistics.median(busy):.1f} ms, "
        f"p90 {statistics.quantiles(busy, n=10)[-1]:.1f} ms "
        f"({len(busy)} requests; {sign_ins} sign-ins in {seconds:g} s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loops", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--server-root", type=Path, default=ROOT)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.loops, arguments.seconds, arguments.server_root.resolve()))
