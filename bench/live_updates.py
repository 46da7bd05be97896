"""Live updates for hundreds: SUBSCRIBERS websocket subscriptions to `sessionEvents` (managers, mentors and
mentees of two organisations, the browser's selection) spread over two app processes on PostgreSQL.

Measures, and prints each goal as met or missed:
- the delivery latency of one edit (from sending the mutation to each subscriber that may see the session
  hearing it): 95th percentile at most 1 s, over EDITS edits through process A;
- a 10,000-row bulk upload (bench/bulk_upload.py's file: creates, edits, deletes, a tenth invalid) through
  process A, from upload to COMPLETED, with the subscribers listening and, in a second database set up the
  same way, with none: at most 1.2 times as long;
- the memory of an idle subscriber: the two processes' resident memory after the subscribers connected and
  subscribed, less before, per subscriber.
The load average is printed at the start and the end: the figures are only as quiet as the machine.

    .venv/bin/python bench/live_updates.py [--subscribers 500] [--edits 10] [--rows 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import websockets  # noqa: E402
from bulk_upload import PROGRESS, UPLOAD, make_file, make_organisation  # noqa: E402
from throwaway import free_port, throwaway_environment  # noqa: E402

from backend import vocabulary  # noqa: E402
from backend.auth import issue_token  # noqa: E402
from backend.db import close_database, migrate, open_database  # noqa: E402
from backend.models import Organization, Session, SessionType, User, VocabularyKind  # noqa: E402
from backend.settings import load_settings, use_settings  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SESSIONDESK = [str(ROOT / ".venv/bin/sessiondesk"), "serve"]
# What the browser subscribes to (frontend/live.js).
EVENTS = "subscription { sessionEvents { kind sessionId sessionIds session { id title status canEdit canDelete } } }"
EDIT = """mutation($id: ID!, $t: String!) { updateSession(id: $id, input: {title: $t}, notify: false) {
  errors { message } } }"""
VOCABULARY = {
    VocabularyKind.RECOMMENDED_FOR: ("Teachers", "Head teachers"),
    VocabularyKind.CATEGORY: ("Communication", "Leadership"),
    VocabularyKind.MEDIUM: ("English", "Hindi"),
}
P95_GOAL_MS = 1000
UPLOAD_GOAL = 1.2


@dataclass
class Person:
    organisation: str  # "A" (the bulk upload's) or "B"
    role: str  # MANAGER, MENTOR or MENTEE
    id: int
    token: str


@dataclass
class Subscriber:
    person: Person
    heard: dict[str, float] = field(default_factory=dict)  # title → when heard
    messages: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)


async def prepare(env: dict[str, str], subscribers: int, rows: int) -> tuple[list[Person], bytes, Session, int]:
    """Organisation A (bulk_upload.py's: a manager, 60 mentors, 300 mentees, 2,000 sessions) with more
    managers, and organisation B; the people who subscribe (a tenth managers, a fifth mentors, the rest
    mentees, split between the two) with a token each; the upload's file; a public session of A to edit."""
    settings = use_settings(load_settings(env))
    await migrate(settings)
    await open_database(settings)
    try:
        mentors, mentees, existing = await make_organisation()
        data, meant_invalid = make_file(rows, mentors, mentees, existing, invites=0.1)
        org_a = await Organization.get(name="Bench organisation")
        # The values the file uses, in the organisation's vocabulary (a value outside it is refused).
        manager = await User.get(email="manager@bench.test")
        have = await vocabulary.vocabularies(org_a.id)  # bulk_upload.py's organisation may hold some already
        for kind, values in VOCABULARY.items():
            for value in values:
                if value not in have.get(kind, []):
                    await vocabulary.add_value(manager, kind, value)
        org_b = await Organization.create(name="Other bench organisation")
        half = subscribers // 2
        wanted = {"MANAGER": half // 10, "MENTOR": half // 5}
        wanted["MENTEE"] = half - wanted["MANAGER"] - wanted["MENTOR"]
        people: list[Person] = []
        for name, org in (("A", org_a), ("B", org_b)):
            for role, count in wanted.items():
                have = list(await User.filter(organization=org, **{f"is_{role.lower()}": True}).order_by("id"))
                extra = [
                    User(
                        organization=org,
                        email=f"{role.lower()}{n}@{name.lower()}.live-bench.test",
                        name=f"{role.title()} {name}{n}",
                        **{f"is_{role.lower()}": True},
                    )
                    for n in range(len(have), count)
                ]
                await User.bulk_create(extra)
                chosen = list(await User.filter(organization=org, **{f"is_{role.lower()}": True}).order_by("id"))
                people += [Person(name, role, user.id, await issue_token(user)) for user in chosen[:count]]
        edited = await Session.filter(organization=org_a, type=SessionType.PUBLIC).order_by("id").first()
        assert edited is not None
        return people, data, edited, meant_invalid
    finally:
        await close_database()


@contextlib.contextmanager
def app_process(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    port = free_port()
    server = subprocess.Popen(
        [*SESSIONDESK, "--port", str(port)],
        cwd=ROOT,
        # Every subscriber of the benchmark connects from 127.0.0.1 at once: more than the 20 sockets an
        # address may have waiting to sign in (LIVE_MAX_SIGNED_OUT) by default.
        env={**os.environ, "LIVE_MAX_SIGNED_OUT": "1000", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}", server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


async def wait_until_up(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/bulk-upload/sample.csv")).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{base_url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"No VmRSS for {pid}")


@contextlib.asynccontextmanager
async def two_processes(env: dict[str, str]) -> AsyncIterator[list[tuple[str, int]]]:
    with app_process(env) as a, app_process(env) as b:
        await wait_until_up(a[0])
        await wait_until_up(b[0])
        yield [a, b]


async def listen(base_url: str, subscriber: Subscriber) -> None:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=None) as ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {subscriber.person.token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
        subscriber.ready.set()
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                subscriber.messages += 1
                event = (message["payload"].get("data") or {}).get("sessionEvents")
                if event is None:
                    raise RuntimeError(f"Subscription refused or ended: {message['payload']}")
                if event["session"] is not None:
                    subscriber.heard[event["session"]["title"]] = time.perf_counter()
            elif message["type"] in ("complete", "error"):
                raise RuntimeError(f"Subscription ended: {message}")


async def upload_and_wait(base_url: str, token: str, data: bytes, meant_invalid: int) -> float:
    """Seconds from sending the file to the upload's COMPLETED (with the rows meant invalid, and no more)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=300) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        response = await client.post(
            "/graphql",
            data={
                "operations": json.dumps({"query": UPLOAD, "variables": {"file": None, "dryRun": False}}),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": ("bench.csv", data, "text/csv")},
        )
        payload = response.json()["data"]["bulkUploadSessions"]
        if payload["errors"]:
            raise SystemExit(f"Upload refused: {payload['errors']}")
        upload_id = payload["bulkUpload"]["id"]
        while True:
            await asyncio.sleep(0.1)
            state = (await client.post("/graphql", json={"query": PROGRESS, "variables": {"id": upload_id}})).json()
            state = state["data"]["bulkUpload"]
            if state["status"] in ("COMPLETED", "FAILED"):
                break
        if state["status"] != "COMPLETED" or state["invalidRows"] != meant_invalid:
            raise SystemExit(f"The upload did not complete as meant ({meant_invalid} rows invalid): {state}")
        return time.perf_counter() - started


async def edit_latencies(
    base_url: str, manager: Person, session_id: int, audience: list[Subscriber], edits: int
) -> list[float]:
    """Milliseconds from sending each edit to each subscriber of the audience hearing it."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {manager.token}"
        for n in range(-1, edits):  # the first (-1) warms up and proves everybody listens; not counted
            title = f"Live bench edit {n}"
            sent = time.perf_counter()
            answer = await client.post("/graphql", json={"query": EDIT, "variables": {"id": session_id, "t": title}})
            assert answer.json()["data"]["updateSession"]["errors"] == [], answer.text
            deadline = time.perf_counter() + 60
            while any(title not in s.heard for s in audience):
                if time.perf_counter() > deadline:
                    missing = sum(title not in s.heard for s in audience)
                    raise RuntimeError(f"{missing} of {len(audience)} subscribers did not hear {title!r} in 60 s")
                await asyncio.sleep(0.005)
            if n >= 0:
                latencies += [(s.heard[title] - sent) * 1000 for s in audience]
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def goal(met: bool, text: str) -> str:
    return f"  [{'met' if met else 'MISSED'}] {text}"


async def run(subscribers: int, edits: int, rows: int, upload: bool = True) -> None:
    print(f"Load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")

    # The upload alone (two app processes, nobody subscribed) before and after the run with subscribers, each
    # in a database set up the same way: the machine's load changes meanwhile.
    async def upload_alone() -> float:
        async with throwaway_environment(True, POSTGRES_URL) as env:
            people, data, _, meant_invalid = await prepare(env, subscribers, rows)
            manager_a = next(p for p in people if p.organisation == "A" and p.role == "MANAGER")
            async with two_processes(env) as processes:
                cpu = [cpu_seconds(pid) for _, pid in processes]
                seconds = await upload_and_wait(processes[0][0], manager_a.token, data, meant_invalid)
                cpu = [cpu_seconds(pid) - used for (_, pid), used in zip(processes, cpu, strict=True)]
        print(
            f"{rows:,}-row upload through process A, nobody subscribed: {seconds:.2f} s "
            f"(CPU: process A {cpu[0]:.1f} s, B {cpu[1]:.1f} s)"
        )
        return seconds

    alone = [await upload_alone()] if upload else []
    async with throwaway_environment(True, POSTGRES_URL) as env:
        people, data, edited, meant_invalid = await prepare(env, subscribers, rows)
        manager_a = next(p for p in people if p.organisation == "A" and p.role == "MANAGER")
        async with two_processes(env) as processes:
            gc.collect()
            before = sum(resident_kib(pid) for _, pid in processes)
            listening = [Subscriber(person) for person in people]
            tasks = [
                asyncio.create_task(listen(processes[n % 2][0], subscriber)) for n, subscriber in enumerate(listening)
            ]
            try:
                async with asyncio.timeout(300):
                    await asyncio.gather(*(s.ready.wait() for s in listening))
                # Who may see the edited public session: A's managers and mentees, and its mentor.
                audience = [
                    s
                    for s in listening
                    if s.person.organisation == "A"
                    and (s.person.role in ("MANAGER", "MENTEE") or s.person.id == edited.mentor_id)
                ]
                latencies = await edit_latencies(processes[0][0], manager_a, edited.id, audience, edits)
                after = sum(resident_kib(pid) for _, pid in processes)
                if not upload:
                    report_edits(people, listening, audience, latencies, edits, before, after)
                    return
                messages_before = {id(s): s.messages for s in listening}
                cpu = [cpu_seconds(pid) for _, pid in processes] + [time.process_time()]
                with_subscribers = await upload_and_wait(processes[0][0], manager_a.token, data, meant_invalid)
                used = [cpu_seconds(pid) for _, pid in processes] + [time.process_time()]
                cpu = [after - before for after, before in zip(used, cpu, strict=True)]
                upload_messages: dict[str, int] = {}
                for s in listening:
                    key = f"{s.person.role.lower()}s of {s.person.organisation}"
                    upload_messages[key] = upload_messages.get(key, 0) + s.messages - messages_before[id(s)]
                failed = [t for t in tasks if t.done()]
                if failed:
                    failed[0].result()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    print(
        f"{rows:,}-row upload through process A, {len(listening)} subscribers listening: {with_subscribers:.2f} s "
        f"(CPU: process A {cpu[0]:.1f} s, B {cpu[1]:.1f} s, the subscribers' client {cpu[2]:.1f} s)"
    )
    alone.append(await upload_alone())
    ratio = with_subscribers / statistics.mean(alone)
    report_edits(people, listening, audience, latencies, edits, before, after)
    print(
        goal(
            ratio <= UPLOAD_GOAL,
            f"{rows:,}-row upload with the subscribers listening: {with_subscribers:.2f} s, {ratio:.2f}× the "
            f"{statistics.mean(alone):.2f} s with nobody subscribed (mean of {alone[0]:.2f} s before and "
            f"{alone[1]:.2f} s after; goal ≤ {UPLOAD_GOAL}×)",
        )
    )
    told = ", ".join(f"{key} {n:,}" for key, n in upload_messages.items())
    print(f"  messages the subscribers got during the upload: {told}")


def report_edits(
    people: list[Person],
    listening: list[Subscriber],
    audience: list[Subscriber],
    latencies: list[float],
    edits: int,
    before: int,
    after: int,
) -> None:
    p95 = percentile(latencies, 0.95)
    print(
        f"{len(listening)} subscribers ({_mix(people)}) on two app processes, {edits} edits of a public session "
        f"through process A, each heard by {len(audience)} subscribers"
    )
    print(
        goal(
            p95 <= P95_GOAL_MS,
            f"an edit reaches the 95th-percentile subscriber in {p95:.0f} ms (goal ≤ {P95_GOAL_MS} ms; median "
            f"{percentile(latencies, 0.5):.0f} ms, worst {max(latencies):.0f} ms, {len(latencies)} deliveries)",
        )
    )
    print(
        f"  [stated] memory per idle subscriber: {(after - before) / len(listening):.0f} KiB "
        f"(the two processes: {before / 1024:.0f} MiB before, {after / 1024:.0f} MiB with every subscriber)"
    )
    print(f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _mix(people: list[Person]) -> str:
    counts: dict[str, int] = {}
    for person in people:
        counts[person.role] = counts.get(person.role, 0) + 1
    return ", ".join(f"{n} {role.lower()}s" for role, n in counts.items()) + ", two organisations"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--no-upload", action="store_true", help="the edits' latency and memory only")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.subscribers, arguments.edits, arguments.rows, not arguments.no_upload))


if __name__ == "__main__":
    main()
