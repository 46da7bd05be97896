"""How long a change takes to reach subscribers of another app process (PostgreSQL LISTEN/NOTIFY).

Makes a throwaway PostgreSQL database with the demo data, starts two app processes (A and B), opens
SUBSCRIBERS websocket subscriptions to `sessionEvents` on B as manager@example.org, then edits a session
CHANGES times through A, one after another, and times each edit from the moment it is sent until each
subscriber has heard of it. Prints the median, 95th percentile and worst time in milliseconds.

    .venv/bin/python bench/live_updates.py [--subscribers 50] [--changes 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import free_port, throwaway_environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SESSIONDESK = [sys.executable, "-m", "backend.cli"]
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SECRET = "live-updates-bench-" + "x" * 40
EVENTS = "subscription { sessionEvents { kind sessionId session { title } } }"


@contextlib.contextmanager
def app_process(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [*SESSIONDESK, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=15)


async def wait_until_up(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/healthz")).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{base_url} did not come up")


async def subscriber(base_url: str, token: str, ready: asyncio.Event, heard: asyncio.Queue) -> None:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
        ready.set()
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                await heard.put((time.perf_counter(), message["payload"]["data"]["sessionEvents"]["session"]["title"]))


async def run(subscribers: int, changes: int) -> None:
    async with throwaway_environment(True, POSTGRES_URL) as extra:
        env = {**os.environ, **extra, "SECRET_KEY": SECRET}
        for command in (["migrate"], ["seed", "--demo", "--sessions", "200"]):
            subprocess.run([*SESSIONDESK, *command], cwd=ROOT, env=env, check=True, capture_output=True)
        with app_process(env) as process_a, app_process(env) as process_b:
            await wait_until_up(process_a)
            await wait_until_up(process_b)
            async with httpx.AsyncClient(base_url=process_a, timeout=30) as http:
                login = await http.post(
                    "/graphql",
                    json={"query": 'mutation { login(email: "manager@example.org", password: "demo1234") { token } }'},
                )
                token = login.json()["data"]["login"]["token"]
                headers = {"Authorization": f"Bearer {token}"}
                page = await http.post(
                    "/graphql",
                    headers=headers,
                    json={"query": "{ sessions(filter: {statuses: [UPCOMING]}, pageSize: 1) { items { id } } }"},
                )
                session_id = page.json()["data"]["sessions"]["items"][0]["id"]

                queues = [asyncio.Queue() for _ in range(subscribers)]
                readies = [asyncio.Event() for _ in range(subscribers)]
                tasks = [
                    asyncio.create_task(subscriber(process_b, token, ready, queue))
                    for ready, queue in zip(readies, queues, strict=True)
                ]
                await asyncio.gather(*(ready.wait() for ready in readies))
                await asyncio.sleep(1)  # let every subscription reach the event bus

                latencies: list[float] = []
                mutation_times: list[float] = []
                for n in range(changes):
                    title = f"Benchmark edit {n}"
                    sent = time.perf_counter()
                    answer = await http.post(
                        "/graphql",
                        headers=headers,
                        json={
                            "query": "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: {title: $t}, "
                            "notify: false) { errors { message } } }",
                            "variables": {"id": session_id, "t": title},
                        },
                    )
                    mutation_times.append((time.perf_counter() - sent) * 1000)
                    assert answer.json()["data"]["updateSession"]["errors"] == [], answer.text
                    for queue in queues:
                        while True:
                            heard_at, heard_title = await asyncio.wait_for(queue.get(), 30)
                            if heard_title == title:
                                latencies.append((heard_at - sent) * 1000)
                                break
                for task in tasks:
                    task.cancel()

    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"{subscribers} subscribers on process B, {changes} edits through process A (PostgreSQL)")
    print(f"  updateSession answered: median {statistics.median(mutation_times):.0f} ms")
    print(
        f"  event heard by a subscriber, from sending the edit: median {statistics.median(latencies):.0f} ms, "
        f"95th percentile {p95:.0f} ms, worst {latencies[-1]:.0f} ms ({len(latencies)} deliveries)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--changes", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.subscribers, arguments.changes))


if __name__ == "__main__":
    main()
