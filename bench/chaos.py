"""Chaos run: several app processes on a throwaway PostgreSQL database serve a realistic mix of clients
while a random process is killed (SIGKILL) and restarted every few seconds and the database refuses
connections once; then it checks that nothing was lost. With --steady, the same mix runs on without
faults and the processes' memory and file descriptors are compared between its start and its end.

    .venv/bin/python bench/chaos.py                      # 5 minutes of chaos, 3 processes, 20 clients
    .venv/bin/python bench/chaos.py --steady 600         # then 10 minutes without faults (after --warm-up)

The mix: managers list, search, create, edit, invite, delete, restore and upload 500-row files; mentees
list, enrol and leave; some clients hold `sessionEvents` subscriptions. The database outage is `ALTER
DATABASE … ALLOW_CONNECTIONS false` plus `pg_terminate_backend` of the throwaway database's connections:
the shared cluster is never stopped.

Checked afterwards:
- every mutation answered OK is in the database (created, edited, deleted, restored, invited, enrolled or
  left);
- no mentor is double-booked (R4: no two upcoming or live sessions of one mentor overlap);
- every bulk upload completed, each valid row applied exactly once and no invalid one;
- every mail in the outbox went out, seen by a real SMTP server (duplicates counted: a process killed
  after the server took a message but before it was marked sent sends it again);
- no bulk upload pending or running, no mail pending, no reminder overdue;
- no error answered outside the fault windows, and inside the outage only 503s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import ctypes
import gc
import io
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import websockets  # noqa: E402
from throwaway import free_port, throwaway_environment  # noqa: E402

from backend.bulk_upload import columns  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "demo1234"
MANAGER = "manager@example.org"
# Mentees of the seed: the first half enrol and leave by themselves, the second half are only invited,
# so that each check reads one client's doing.
ENROLLING = [f"mentee{n}@example.org" for n in range(1, 21)]
INVITED = [f"mentee{n}@example.org" for n in range(21, 41)]
SESSION_FIELDS = "id title"
CREATE = f"""mutation($input: CreateSessionInput!) {{
  createSession(input: $input) {{ session {{ {SESSION_FIELDS} }} errors {{ code message }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateSessionInput!) {{
  updateSession(id: $id, input: $input, notify: true) {{
    session {{ {SESSION_FIELDS} }} errors {{ code message }} }} }}"""
DELETE = "mutation($id: ID!) { deleteSession(id: $id) { deletedId errors { code message } } }"
RESTORE = "mutation($id: ID!) { restoreSession(id: $id) { session { id } errors { code message } } }"
INVITE = f"""mutation($id: ID!, $emails: [String!]!) {{
  inviteMentees(sessionId: $id, emails: $emails) {{ session {{ {SESSION_FIELDS} }} errors {{ code message }} }} }}"""
ENROL = "mutation($id: ID!) { enrollInSession(id: $id) { session { id } errors { code message } } }"
LEAVE = "mutation($id: ID!) { leaveSession(id: $id) { session { id } errors { code message } } }"
LIST = """query($search: String, $page: Int!) {
  sessions(search: $search, page: $page, pageSize: 20, filter: {statuses: [UPCOMING]}) {
    totalCount items { id title type } } }"""
UPLOAD = """mutation($file: Upload!) { bulkUploadSessions(file: $file, dryRun: false) {
  bulkUpload { id } errors { code message } } }"""
EVENTS = "subscription { sessionEvents { kind sessionId } }"


@dataclass
class Options:
    duration: float = 300
    clients: int = 20
    processes: int = 3
    kill_every: float = 20
    outage_after: float = 0.4  # the outage starts this far into the run (a fraction of it)
    outage_seconds: float = 6
    bulk_rows: int = 500
    bulk_every: float = 45  # seconds between one manager client's uploads
    steady: float = 0
    # Seconds of the steady mix before its memory is taken as the baseline: the allocators' high-water
    # (Python's arenas, glibc's free lists) is reached only after the mix's peaks (concurrent 500-row uploads).
    warm_up: float = 60
    # How long to wait afterwards for uploads and mail to finish, and whether mail held by a killed
    # sender's lease (MAIL_LEASE_SECONDS, 60 s by default) is waited for too.
    settle_seconds: float = 720
    wait_for_leases: bool = True
    faults: bool = True  # False: the first phase runs without kills or outage too
    mail_settle_seconds: float = 120  # the apps' MAIL_SETTLE_SECONDS (news waits that long for more news)
    keep_logs: str = ""  # a folder to copy the app processes' logs to when they logged errors
    # --trace-memory: a folder where the steady phase's app processes write what their memory holds, every
    # `sample_every` seconds (see `serve_sampled`); tracemalloc keeps `trace_frames` frames (0: off).
    trace_memory: str = ""
    trace_frames: int = 1
    sample_every: float = 60
    postgres_url: str = POSTGRES_URL
    seed: int = 20261206


@dataclass
class Window:
    kind: str  # "kill" or "outage"
    start: float
    end: float = float("inf")


@dataclass
class Ledger:
    """What the clients were told, and every answer's time and outcome."""

    created: dict[int, str] = field(default_factory=dict)  # session → title, answered OK
    titles: dict[int, str] = field(default_factory=dict)  # session → the last title an OK edit gave it
    deleted: set[int] = field(default_factory=set)  # answered OK as deleted, not restored since
    restored: set[int] = field(default_factory=set)  # answered OK as restored, not deleted since
    invited: set[tuple[int, str]] = field(default_factory=set)
    enrolment: dict[tuple[int, str], bool] = field(default_factory=dict)  # (session, mentee) → enrolled
    uploads: dict[int, list[str]] = field(default_factory=dict)  # upload → its rows' titles
    # What a request with an unknown outcome (cut off by a kill, or a 503 at its commit) may or may not have
    # changed, until an OK answer settles it again: such a request is never counted either way.
    uncertain: set[tuple[str, object]] = field(default_factory=set)
    answers: list[tuple[float, str, str]] = field(default_factory=list)  # (when, operation, outcome)
    events: int = 0

    def answered(self, operation: str, outcome: str) -> None:
        self.answers.append((time.monotonic(), operation, outcome))

    def settled(self, key: tuple[str, object], made: bool) -> None:
        """After a request about `key`: one whose outcome is unknown (cut off by a kill, a 503 at its commit)
        marks it uncertain; one that `made` its change settles it. A refusal settles nothing: after a leave
        that was cut off but committed, the next leave is refused ("not enrolled") while the ledger still
        holds the enrolment before it."""
        outcome = self.answers[-1][2]  # this task's own answer: nothing ran since it was recorded
        if not (outcome == "ok" or outcome.startswith("200:")):  # a GraphQL error runs nothing
            self.uncertain.add(key)
        elif made:
            self.uncertain.discard(key)


def accepted(payload: dict) -> bool:
    """A mutation's payload that changed something: no refusals (a refused one may still show its session)."""
    return not payload.get("errors")


class App:
    """One `sessiondesk serve` process."""

    def __init__(self, env: dict[str, str], log_dir: Path, number: int) -> None:
        self.env, self.number = env, number
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"app-{number}.log"
        self.process: subprocess.Popen | None = None
        self.up = False

    def start(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "backend.cli", "serve", "--port", str(self.port)]
        if self.env.get(SAMPLES_FOLDER):  # the same app, able to say what its memory holds
            command[1:3] = [
                "-c",
                f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import chaos; chaos.serve_sampled()",
            ]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    async def wait_up(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/healthz")).status_code == 200:
                        self.up = True
                        return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"app process {self.number} did not come up; see {self.log}")

    def kill(self) -> None:
        self.up = False
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        self.up = False
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def memory_and_descriptors(self) -> tuple[float, int]:
        """Resident memory in MB and open file descriptors of the process (uvicorn runs the app in it)."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")) / 1024
        return rss, len(os.listdir(f"/proc/{self.process.pid}/fd"))


class Mail:
    """A real SMTP server (aiosmtpd) that counts the messages it takes, by Message-ID."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.received: Counter[str] = Counter()
        mail = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                for line in envelope.original_content.split(b"\r\n"):
                    if line.lower().startswith(b"message-id:"):
                        mail.received[line.split(b":", 1)[1].strip().decode()] += 1
                        break
                return "250 Message accepted"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Mail:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class Clients:
    """The mix of users, sending each request to a random live app process, as a load balancer would."""

    def __init__(self, apps: list[App], ledger: Ledger, options: Options, people: dict[str, Any]) -> None:
        self.apps, self.ledger, self.options, self.people = apps, ledger, options, people
        self.rng = random.Random(options.seed)
        self.tokens: dict[str, str] = {}
        self.stop = asyncio.Event()
        self.tag = 0

    def app(self) -> App | None:
        live = [app for app in self.apps if app.up]
        return self.rng.choice(live) if live else None

    async def request(self, operation: str, email: str, **kwargs: Any) -> dict | None:
        """The answer's JSON body when it is a 200 without errors; None otherwise (recorded either way)."""
        app = self.app()
        if app is None:
            await asyncio.sleep(0.2)
            return None
        headers = {"Authorization": f"Bearer {self.tokens[email]}"} if email in self.tokens else {}
        try:
            async with httpx.AsyncClient(base_url=app.url, timeout=60) as http:
                response = await http.post("/graphql", headers=headers, **kwargs)
        except httpx.TransportError as error:
            self.ledger.answered(operation, f"transport:{type(error).__name__}")
            return None
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
        if response.status_code != 200 or codes:
            self.ledger.answered(operation, f"{response.status_code}:{','.join(str(c) for c in codes)}")
            return None
        self.ledger.answered(operation, "ok")
        return body["data"]

    async def graphql(self, operation: str, email: str, query: str, **variables: Any) -> dict | None:
        return await self.request(operation, email, json={"query": query, "variables": variables})

    async def sign_in(self, email: str) -> None:
        query = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
        while email not in self.tokens and not self.stop.is_set():
            data = await self.graphql("login", email, query, e=email, p=PASSWORD)
            if data and data["login"]["token"]:
                self.tokens[email] = data["login"]["token"]
            else:
                await asyncio.sleep(0.5)

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.05, 0.4))

    async def manager(self, number: int) -> None:
        await self.sign_in(MANAGER)
        own: list[int] = []
        binned: list[int] = []  # deleted by this client, to restore
        next_upload = time.monotonic() + self.rng.uniform(2, self.options.bulk_every)
        while not self.stop.is_set():
            await self.pause()
            if time.monotonic() >= next_upload and self.options.bulk_rows:
                next_upload = time.monotonic() + self.options.bulk_every
                await self.bulk_upload()
                continue
            choice = self.rng.random()
            if choice < 0.3:
                await self.graphql("list", MANAGER, LIST, search=None, page=self.rng.randint(1, 3))
            elif choice < 0.45:
                word = self.rng.choice(["Chaos", "planning", "Bulk", "Lesson", "reading"])
                await self.graphql("search", MANAGER, LIST, search=word, page=1)
            elif choice < 0.65 or not own:
                title = f"Chaos {number}-{self.rng.getrandbits(40):x}"
                form = self.session_form(title)
                data = await self.graphql("create", MANAGER, CREATE, input=form)
                if data and accepted(data["createSession"]):
                    session_id = int(data["createSession"]["session"]["id"])
                    self.ledger.created[session_id] = title
                    self.ledger.titles[session_id] = title
                    own.append(session_id)
            elif choice < 0.8:
                session_id = self.rng.choice(own)
                title = f"Edited {number}-{self.rng.getrandbits(40):x}"
                data = await self.graphql("edit", MANAGER, UPDATE, id=str(session_id), input={"title": title})
                edited = data is not None and accepted(data["updateSession"])
                self.ledger.settled(("title", session_id), edited)
                if edited:
                    self.ledger.titles[session_id] = title
            elif choice < 0.92:
                session_id, email = self.rng.choice(own), self.rng.choice(INVITED)
                data = await self.graphql("invite", MANAGER, INVITE, id=str(session_id), emails=[email])
                if data and accepted(data["inviteMentees"]):
                    self.ledger.invited.add((session_id, email))
            elif choice < 0.96 or not binned:
                session_id = own.pop(self.rng.randrange(len(own)))
                data = await self.graphql("delete", MANAGER, DELETE, id=str(session_id))
                self.deleted_or_restored(session_id, data and accepted(data["deleteSession"]), deleted=True)
                binned.append(session_id)
            else:
                session_id = binned.pop(self.rng.randrange(len(binned)))
                data = await self.graphql("restore", MANAGER, RESTORE, id=str(session_id))
                self.deleted_or_restored(session_id, data and accepted(data["restoreSession"]), deleted=False)
                own.append(session_id)

    def deleted_or_restored(self, session_id: int, made: bool | None, *, deleted: bool) -> None:
        self.ledger.settled(("deleted", session_id), bool(made))
        if made:
            (self.ledger.deleted if deleted else self.ledger.restored).add(session_id)
            (self.ledger.restored if deleted else self.ledger.deleted).discard(session_id)

    def session_form(self, title: str) -> dict:
        starts = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
            days=self.rng.randint(30, 700), hours=self.rng.randint(0, 23)
        )
        return {
            "title": title,
            "description": "Made by the chaos run.",
            "type": "PUBLIC",
            "mentorId": str(self.rng.choice(self.people["mentors"])),
            "startsAt": starts.isoformat(),
            "durationMinutes": 60,
            "recommendedFor": ["Teachers"],
            "categories": ["Communication"],
            "medium": "English",
        }

    async def bulk_upload(self) -> None:
        self.tag += 1
        tag = f"{self.options.seed % 10_000}-{self.tag}-{self.rng.getrandbits(24):x}"
        titles, rows = [], []
        mentors = self.people["mentor_emails"]
        for n in range(self.options.bulk_rows):
            title = f"Bulk {tag} {n}"
            when = datetime.now(UTC) + timedelta(days=800 + self.tag * 40 + n // len(mentors), hours=5.5)
            cells = {
                "action": "Create",
                "title": title,
                "description": "From a chaos upload.",
                "type": "Public",
                "mentor": mentors[n % len(mentors)],
                "date": when.strftime("%d-%m-%Y"),
                "time_zone": "IST",
                "time": f"{8 + (self.rng.getrandbits(3))}:00",
                "duration": 60,
                "recommended_for": "Teachers",
                "categories": "Communication",
                "medium": "English",
                "meeting_platform": "BigBlueButton",
            }
            rows.append(["" if cells.get(c.key) is None else str(cells[c.key]) for c in columns.COLUMNS])
            titles.append(title)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns.HEADER)
        writer.writerows(rows)
        operations = {"query": UPLOAD, "variables": {"file": None}}
        data = await self.request(
            "bulk upload",
            MANAGER,
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
            files={"0": ("chaos.csv", buffer.getvalue().encode(), "text/csv")},
        )
        if data and accepted(data["bulkUploadSessions"]):
            self.ledger.uploads[int(data["bulkUploadSessions"]["bulkUpload"]["id"])] = titles

    async def mentee(self, email: str) -> None:
        await self.sign_in(email)
        mine: set[int] = set()
        while not self.stop.is_set():
            await self.pause()
            choice = self.rng.random()
            if choice < 0.5 or not mine:
                data = await self.graphql("list", email, LIST, search=None, page=self.rng.randint(1, 5))
                items = [int(s["id"]) for s in (data or {}).get("sessions", {}).get("items", [])]
                candidates = [i for i in items if i not in mine]
                if candidates and self.rng.random() < 0.6:
                    session_id = self.rng.choice(candidates)
                    answer = await self.graphql("enrol", email, ENROL, id=str(session_id))
                    enrolled = answer is not None and accepted(answer["enrollInSession"])
                    self.ledger.settled(("enrolment", (session_id, email)), enrolled)
                    if enrolled:
                        mine.add(session_id)
                        self.ledger.enrolment[(session_id, email)] = True
            else:
                session_id = self.rng.choice(sorted(mine))
                answer = await self.graphql("leave", email, LEAVE, id=str(session_id))
                left = answer is not None and accepted(answer["leaveSession"])
                self.ledger.settled(("enrolment", (session_id, email)), left)
                if answer is not None:  # left, or refused: not in it (any more), or it started; either way done
                    mine.discard(session_id)
                if left:
                    self.ledger.enrolment[(session_id, email)] = False

    async def subscriber(self) -> None:
        await self.sign_in(MANAGER)
        while not self.stop.is_set():
            app = self.app()
            if app is None:
                await asyncio.sleep(0.2)
                continue
            url = app.url.replace("http://", "ws://") + "/graphql"
            # A subscription ends when its process is killed or the database goes: it connects again.
            with contextlib.suppress(OSError, websockets.WebSocketException, TimeoutError):
                async with websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
                    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {self.tokens[MANAGER]}"}}
                    await ws.send(json.dumps(init))
                    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
                    while not self.stop.is_set():
                        with contextlib.suppress(TimeoutError):
                            message = json.loads(await asyncio.wait_for(ws.recv(), 1))
                            if message["type"] == "ping":
                                await ws.send(json.dumps({"type": "pong"}))
                            elif message["type"] == "next":
                                self.ledger.events += 1
                            elif message["type"] in ("error", "complete"):
                                break
            await asyncio.sleep(0.5)

    async def finish(self, tasks: list[asyncio.Task]) -> None:
        """Stop after the requests in flight are answered: one cut off here would have an unknown outcome
        (a leave applied but never heard of reads as a lost enrolment)."""
        self.stop.set()
        await asyncio.wait(tasks, timeout=120)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def tasks(self) -> list[asyncio.Task]:
        count = self.options.clients
        managers = max(1, count * 6 // 20)
        subscribers = max(1, count * 3 // 20)
        mentees = max(1, count - managers - subscribers)
        work = [self.manager(n) for n in range(managers)]
        work += [self.mentee(ENROLLING[n % len(ENROLLING)]) for n in range(mentees)]
        work += [self.subscriber() for _ in range(subscribers)]
        return [asyncio.create_task(w) for w in work]


async def faults(
    apps: list[App], options: Options, windows: list[Window], database_url: str, stop: asyncio.Event
) -> None:
    """A random app process killed and restarted every `kill_every` seconds; the database away once."""
    rng = random.Random(options.seed + 1)
    started = time.monotonic()
    outage_at = started + options.duration * options.outage_after
    next_kill = started + options.kill_every
    outage_done = False
    while not stop.is_set():
        now = time.monotonic()
        if not outage_done and now >= outage_at:
            outage_done = True
            window = Window("outage", time.monotonic())
            windows.append(window)
            name = database_url.rsplit("/", 1)[1]
            admin = await asyncpg.connect(options.postgres_url.replace("postgres://", "postgresql://"))
            try:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    name,
                )
                await asyncio.sleep(options.outage_seconds)
            finally:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                await admin.close()
            window.end = time.monotonic() + 5  # the pools connect again at their next request
            print(f"  database away for {options.outage_seconds:g} s")
        elif now >= next_kill:
            next_kill = now + options.kill_every
            app = rng.choice(apps)
            window = Window("kill", time.monotonic())
            windows.append(window)
            app.kill()
            app.start()
            await app.wait_up()
            window.end = time.monotonic() + 2
            print(f"  killed and restarted app process {app.number} in {window.end - 2 - window.start:.1f} s")
        await asyncio.sleep(0.2)


def outside(windows: list[Window], at: float, kind: str | None = None) -> bool:
    return not any(w.start <= at <= w.end and (kind is None or w.kind == kind) for w in windows)


# Mail taken by a sender that was killed waits until its lease (MAIL_LEASE_SECONDS, 60 s by default) runs out.
# News waiting for its settle window (MAIL_SETTLE_SECONDS, 120 s by default) is due sooner after it was
# written, and is waited for: taken for held mail, it read as stuck once its window had passed (run 9).
UNSENT = "sent_at IS NULL AND failed_at IS NULL AND dropped_at IS NULL"


def held(settle_seconds: float) -> str:
    """Unsent mail whose next attempt lies further after its writing than its settle window explains."""
    return (
        f"{UNSENT} AND last_error = '' AND next_attempt_at > now()"
        f" AND next_attempt_at > created_at + interval '{settle_seconds + 60:g} seconds'"
    )


async def settle(pool: asyncpg.Pool, seconds: float, wait_for_leases: bool, held_mail: str) -> None:
    """Wait until every upload is finished and no mail is pending (the processes keep working); mail held
    by a killed sender's lease (`held_mail`, a condition made by `held`) is waited for only with
    `wait_for_leases`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        busy = await pool.fetchval("SELECT count(*) FROM bulk_upload WHERE status IN ('PENDING', 'RUNNING')")
        waiting = UNSENT if wait_for_leases else f"{UNSENT} AND NOT ({held_mail})"
        pending = await pool.fetchval(f"SELECT count(*) FROM outbox_message WHERE {waiting}")
        if not busy and not pending:
            return
        await asyncio.sleep(1)


async def check(pool: asyncpg.Pool, ledger: Ledger, windows: list[Window], mail: Mail, held_mail: str) -> list[str]:
    """Every problem found, in words; none when nothing was lost."""
    problems: list[str] = []
    sessions = {r["id"]: r for r in await pool.fetch("SELECT id, title, deleted_at FROM session")}
    for session_id, title in ledger.titles.items():
        found = sessions.get(session_id)
        if found is None:
            problems.append(f"session {session_id} was answered as created but is not in the database")
        elif found["title"] != title and ("title", session_id) not in ledger.uncertain:
            problems.append(f"session {session_id} is titled {found['title']!r}, the last OK edit said {title!r}")
    for session_id in ledger.deleted - {key for kind, key in ledger.uncertain if kind == "deleted"}:
        if session_id in sessions and sessions[session_id]["deleted_at"] is None:
            problems.append(f"session {session_id} was answered as deleted but is not")
    for session_id in ledger.restored - {key for kind, key in ledger.uncertain if kind == "deleted"}:
        if session_id not in sessions or sessions[session_id]["deleted_at"] is not None:
            problems.append(f"session {session_id} was answered as restored but is not")
    attendance = {
        (r["session_id"], r["email"])
        for r in await pool.fetch('SELECT a.session_id, u.email FROM attendance a JOIN "user" u ON u.id = a.mentee_id')
    }
    for session_id, email in ledger.invited:
        if (session_id, email) not in attendance:
            problems.append(f"{email} was answered as invited to session {session_id} but is not")
    for (session_id, email), enrolled in ledger.enrolment.items():
        if ("enrolment", (session_id, email)) in ledger.uncertain:
            continue
        if enrolled != ((session_id, email) in attendance):
            problems.append(f"{email} was answered as {'enrolled in' if enrolled else 'gone from'} {session_id}")
    clashes = await pool.fetchval(
        """SELECT count(*) FROM session a JOIN session b ON a.mentor_id = b.mentor_id AND a.id < b.id
           WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL AND a.status IN ('UPCOMING', 'LIVE')
             AND b.status IN ('UPCOMING', 'LIVE') AND a.starts_at <= b.ends_at AND b.starts_at <= a.ends_at"""
    )
    if clashes:
        problems.append(f"{clashes} pairs of sessions double-book a mentor")
    for upload_id, titles in ledger.uploads.items():
        upload = await pool.fetchrow(
            "SELECT status, processed_rows, total_rows FROM bulk_upload WHERE id = $1", upload_id
        )
        if upload is None or upload["status"] != "COMPLETED" or upload["processed_rows"] != len(titles):
            problems.append(f"bulk upload {upload_id} did not complete all {len(titles)} rows: {dict(upload or {})}")
            continue
        results = {
            r["row_number"]: r["status"]
            for r in await pool.fetch("SELECT row_number, status FROM bulk_upload_row WHERE upload_id = $1", upload_id)
        }
        counts = {
            r["title"]: r["n"]
            for r in await pool.fetch(
                "SELECT title, count(*) AS n FROM session WHERE title = ANY($1::text[]) GROUP BY title", titles
            )
        }
        for number, title in enumerate(titles, 2):  # row 1 is the header
            expected = 1 if results.get(number) == "VALID" else 0
            if counts.get(title, 0) != expected:
                problems.append(f"upload {upload_id} row {number} is applied {counts.get(title, 0)} times")
    stuck_uploads = await pool.fetchval("SELECT count(*) FROM bulk_upload WHERE status IN ('PENDING', 'RUNNING')")
    # Held by a killed sender's lease: kept in the outbox, sent when the lease runs out; not stuck.
    stuck_mail = await pool.fetchval(f"SELECT count(*) FROM outbox_message WHERE {UNSENT} AND NOT ({held_mail})")
    failed_mail = await pool.fetchval("SELECT count(*) FROM outbox_message WHERE failed_at IS NOT NULL")
    if failed_mail:
        problems.append(f"{failed_mail} mails were marked failed")
    # A due reminder that is not owed is recorded without a mail, so a row without one is no sign of
    # trouble; a reminder mail still waiting after its session started (neither sent nor dropped) is.
    overdue_reminders = await pool.fetchval(
        f"SELECT count(*) FROM outbox_message WHERE {UNSENT} AND send_before < now() - interval '1 minute'"
    )
    for count, what in ((stuck_uploads, "bulk uploads"), (stuck_mail, "mails"), (overdue_reminders, "reminders")):
        if count:
            problems.append(f"{count} {what} are stuck")
    for row in await pool.fetch(
        f"""SELECT id, subject, attempts, next_attempt_at, failed_at, left(last_error, 200) AS error FROM outbox_message
           WHERE {UNSENT} AND NOT ({held_mail}) LIMIT 3"""
    ):
        problems.append(f"unsent mail: {dict(row)}")
    sent = [r["id"] for r in await pool.fetch("SELECT id FROM outbox_message WHERE sent_at IS NOT NULL")]
    received_ids = {message_id.split(".", 1)[0].removeprefix("<outbox-") for message_id in mail.received}
    missing = [i for i in sent if str(i) not in received_ids]
    if missing:
        problems.append(f"{len(missing)} mails marked sent never reached the SMTP server")
    for at, operation, outcome in ledger.answers:
        if outcome == "ok" or outcome.startswith("200:") and "INTERNAL" not in outcome:
            continue  # 200 with a refusal the caller must fix is an answer, not an error
        if outcome.startswith("503") and not outside(windows, at, "outage"):
            continue
        if outcome.startswith("transport") and not outside(windows, at, "kill"):
            continue
        problems.append(f"{operation} answered {outcome} outside a fault window")
    return problems


async def prepare(env: dict[str, str]) -> dict[str, Any]:
    for command in (["migrate"], ["seed", "--demo", "--sessions", "200"]):
        subprocess.run(
            [sys.executable, "-m", "backend.cli", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    connection = await asyncpg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://"))
    try:
        mentors = await connection.fetch(
            """SELECT u.id, u.email FROM "user" u JOIN organization o ON o.id = u.organization_id
               WHERE o.name = 'Demo Mentoring Programme' AND u.is_mentor ORDER BY u.id"""
        )
    finally:
        await connection.close()
    return {"mentors": [r["id"] for r in mentors], "mentor_emails": [r["email"] for r in mentors]}


async def phase(apps: list[App], options: Options, ledger: Ledger, people: dict, seconds: float) -> Clients:
    clients = Clients(apps, ledger, options, people)
    tasks = clients.tasks()
    await asyncio.sleep(seconds)
    await clients.finish(tasks)
    return clients


async def run(options: Options) -> dict[str, Any]:
    """One chaos run (and steady run); the figures, with `problems` listing what was lost."""
    figures: dict[str, Any] = {}
    async with throwaway_environment(True, options.postgres_url) as extra:
        with Mail() as mail:
            env = {
                **os.environ,
                **extra,
                "SMTP_URL": f"smtp://127.0.0.1:{mail.port}",
                "LOG_FORMAT": "json",
                "PUBLIC_URL": "http://desk.example.test",
                "MAIL_SETTLE_SECONDS": f"{options.mail_settle_seconds:g}",
            }
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            if options.trace_memory:
                Path(options.trace_memory).mkdir(parents=True, exist_ok=True)
                env.update({SAMPLES_FOLDER: options.trace_memory, TRACE_FRAMES: str(options.trace_frames)})
            people = await prepare(env)
            apps = [App(env, Path(extra["DATA_DIR"]), n) for n in range(options.processes)]
            pool = await asyncpg.create_pool(
                env["DATABASE_URL"].replace("postgres://", "postgresql://"), min_size=0, max_size=2
            )
            try:
                for app in apps:
                    app.start()
                await asyncio.gather(*(app.wait_up() for app in apps))
                ledger, windows = Ledger(), []
                stop = asyncio.Event()
                print(f"chaos: {options.processes} processes, {options.clients} clients, {options.duration:g} s")
                fault_task = asyncio.create_task(
                    faults(apps, options, windows, env["DATABASE_URL"], stop) if options.faults else stop.wait()
                )
                started = time.monotonic()
                await phase(apps, options, ledger, people, options.duration)
                stop.set()
                await fault_task
                await pool.execute("SELECT 1")  # the checker's pool may have lost its connections too
                held_mail = held(options.mail_settle_seconds)
                await settle(pool, options.settle_seconds, options.wait_for_leases, held_mail)
                problems = await check(pool, ledger, windows, mail, held_mail)
                outcomes = Counter(outcome.split(":")[0] for _, _, outcome in ledger.answers)
                figures.update(
                    seconds=round(time.monotonic() - started),
                    requests=len(ledger.answers),
                    outcomes=dict(outcomes),
                    kills=sum(1 for w in windows if w.kind == "kill"),
                    outages=sum(1 for w in windows if w.kind == "outage"),
                    created=len(ledger.created),
                    edited=sum(1 for i, t in ledger.titles.items() if t != ledger.created.get(i)),
                    deleted=len(ledger.deleted),
                    restored=len(ledger.restored),
                    invited=len(ledger.invited),
                    enrolments=len(ledger.enrolment),
                    unknown_outcomes=len(ledger.uncertain),
                    uploads=len(ledger.uploads),
                    bulk_rows=sum(len(t) for t in ledger.uploads.values()),
                    events_heard=ledger.events,
                    mails_sent=await pool.fetchval("SELECT count(*) FROM outbox_message WHERE sent_at IS NOT NULL"),
                    mails_held_by_a_killed_sender=await pool.fetchval(
                        f"SELECT count(*) FROM outbox_message WHERE {held_mail}"
                    ),
                    mails_received=sum(mail.received.values()),
                    mail_duplicates=sum(n - 1 for n in mail.received.values()),
                    problems=problems,
                )
                print(json.dumps(figures, indent=2, default=str), flush=True)
                if options.steady:
                    figures["steady"] = await steady(apps, options, people, pool, mail)
            finally:
                await pool.close()
                for app in apps:
                    app.stop()
                logged = [
                    json.loads(line)
                    for app in apps
                    if app.log.exists()
                    for line in app.log.read_text().splitlines()
                    if line.startswith("{") and '"level": "error"' in line
                ]
                figures["error_log_lines"] = len(logged)
                if logged and options.keep_logs:
                    kept = Path(options.keep_logs) / f"chaos-{options.seed}"
                    kept.mkdir(parents=True, exist_ok=True)
                    for app in apps:
                        if app.log.exists():
                            (kept / app.log.name).write_text(app.log.read_text())
                    figures["logs_kept_in"] = str(kept)
                figures["errors_logged"] = [f"{e.get('message')} {str(e.get('error', ''))[-700:]}" for e in logged[:6]]
    return figures


async def steady(apps: list[App], options: Options, people: dict, pool: asyncpg.Pool, mail: Mail) -> dict[str, Any]:
    """The same mix without faults: memory and descriptors at its start and end, and pruning as configured."""
    # Mail sent and uploads finished long ago, as if kept past MAIL_KEEP_DAYS and BULK_KEEP_DAYS.
    await pool.execute("UPDATE outbox_message SET sent_at = now() - interval '31 days' WHERE sent_at IS NOT NULL")
    await pool.execute(
        "UPDATE bulk_upload SET finished_at = now() - interval '91 days' WHERE status IN ('COMPLETED', 'FAILED')"
    )
    old_mail = await pool.fetchval("SELECT count(*) FROM outbox_message WHERE sent_at < now() - interval '30 days'")
    old_uploads = await pool.fetchval("SELECT count(*) FROM bulk_upload WHERE finished_at < now() - interval '90 days'")
    ledger = Ledger()
    warm_up = options.warm_up
    clients = Clients(apps, ledger, dataclass_replace(options, seed=options.seed + 7), people)
    idle = [await sample_memory(apps, Path(options.trace_memory), "idle-before")] if options.trace_memory else []
    tasks = clients.tasks()
    await asyncio.sleep(warm_up)
    at_start = [app.memory_and_descriptors() for app in apps]
    labels = await sampled_until(apps, options, time.monotonic() + options.steady)
    at_end = [app.memory_and_descriptors() for app in apps]
    await clients.finish(tasks)
    await settle(pool, options.settle_seconds, True, held(options.mail_settle_seconds))
    if idle:  # nothing in flight: what is still held was kept; then how much malloc_trim gives back
        await sample_memory(apps, Path(options.trace_memory), "idle-after")
        (Path(options.trace_memory) / TRIM_FLAG).touch()
        await sample_memory(apps, Path(options.trace_memory), "idle-after-trim")
        labels = ["idle-before", *labels, "idle-after", "idle-after-trim"]
    problems = []
    for app, (rss0, fds0), (rss1, fds1) in zip(apps, at_start, at_end, strict=True):
        if rss1 > rss0 * 1.10:
            problems.append(f"process {app.number} grew from {rss0:.0f} MB to {rss1:.0f} MB")
        if fds1 > fds0 + 10:
            problems.append(f"process {app.number} went from {fds0} to {fds1} open descriptors")
    kept_mail = await pool.fetchval("SELECT count(*) FROM outbox_message WHERE sent_at < now() - interval '30 days'")
    unpruned = await pool.fetchval(
        "SELECT count(*) FROM bulk_upload WHERE finished_at < now() - interval '90 days' AND pruned_at IS NULL"
    )
    if kept_mail or unpruned:
        problems.append(f"{kept_mail} old mails and {unpruned} old uploads were not pruned")
    errors = [o for _, op, o in ledger.answers if o != "ok" and not (o.startswith("200:") and "INTERNAL" not in o)]
    if errors:
        problems.append(f"{len(errors)} errors without faults: {Counter(errors).most_common(5)}")
    memory = memory_report(Path(options.trace_memory), labels, len(apps)) if labels else {}
    return {
        "seconds": options.steady,
        "warm_up_seconds": options.warm_up,
        "requests": len(ledger.answers),
        **({"memory_samples": memory} if memory else {}),
        "memory_mb": [(round(a[0]), round(b[0])) for a, b in zip(at_start, at_end, strict=True)],
        "descriptors": [(a[1], b[1]) for a, b in zip(at_start, at_end, strict=True)],
        "old_mails_pruned": old_mail - kept_mail,
        "old_uploads_pruned": old_uploads - unpruned,
        "problems": problems,
    }


# --- what an app process's memory holds (--trace-memory) ------------------------------------------------

SAMPLES_FOLDER = "CHAOS_MEMORY_SAMPLES"
TRACE_FRAMES = "CHAOS_TRACE_FRAMES"
TRIM_FLAG = "trim"  # in the samples' folder: malloc_trim(0) before a sample, to see what it gives back


class MallInfo2(ctypes.Structure):
    """glibc's `struct mallinfo2` (2.33+): every arena's figures, in bytes."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


def resident_mb(pid: int | str = "self", kind: str = "VmRSS") -> float:
    """Resident memory in MB: all of it (VmRSS), or the part not backed by a file (RssAnon)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith(f"{kind}:")) / 1024


def pymalloc_figures() -> dict[str, float]:
    """Python's own allocator (small objects, in 1 MiB arenas it maps itself, so malloc's figures miss it):
    its arenas and the bytes in use in them, read from what `sys._debugmallocstats` prints on stderr."""
    with tempfile.TemporaryFile("w+") as out:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        lines = out.read().splitlines()
    figures = {}
    for line in lines:
        name, _, value = line.partition("=")
        name = name.strip().lstrip("#").strip()
        if name in ("arenas allocated current", "bytes in allocated blocks", "bytes in available blocks"):
            figures[name] = int(value.strip().replace(",", ""))
    return figures


def serve_sampled() -> None:
    """`sessiondesk serve` (the arguments after `-c …`) that, on SIGUSR1, writes to CHAOS_MEMORY_SAMPLES what
    its memory holds: resident memory; glibc's allocator figures (in use, and freed but kept by the process);
    Python's objects by type after a collection; and, with CHAOS_TRACE_FRAMES > 0, a tracemalloc snapshot.
    Only this bench starts an app so: the product has no such hook."""
    folder = Path(os.environ[SAMPLES_FOLDER])
    frames = int(os.environ.get(TRACE_FRAMES, "1"))
    if frames:
        tracemalloc.start(frames)
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    taken = itertools.count()

    def sample(signum: int, frame: object) -> None:
        name = folder / f"{os.getpid()}-{next(taken)}"
        gc.collect()
        if (folder / TRIM_FLAG).exists():
            libc.malloc_trim(0)
        if frames:
            tracemalloc.take_snapshot().dump(f"{name}.snapshot")
        info = libc.mallinfo2()
        megabytes = 2**20
        pymalloc = pymalloc_figures()
        figures = {
            "rss_mb": resident_mb(),
            "anonymous_mb": resident_mb(kind="RssAnon"),
            "pymalloc_arenas_mb": pymalloc.get("arenas allocated current", 0) * 1.0,  # 1 MiB each
            "pymalloc_in_use_mb": pymalloc.get("bytes in allocated blocks", 0) / megabytes,
            "traced_mb": tracemalloc.get_traced_memory()[0] / megabytes if frames else None,
            "tracemalloc_own_mb": tracemalloc.get_tracemalloc_memory() / megabytes,
            "malloc_in_use_mb": (info.uordblks + info.hblkhd) / megabytes,
            "malloc_kept_free_mb": info.fordblks / megabytes,
            "threads": len(os.listdir("/proc/self/task")),
            "objects": Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects()).most_common(),
        }
        Path(f"{name}.part").write_text(json.dumps(figures))
        Path(f"{name}.part").rename(f"{name}.json")

    signal.signal(signal.SIGUSR1, sample)
    from backend.cli import main

    main(sys.argv[1:])


async def sample_memory(apps: list[App], folder: Path, label: str) -> dict[int, Path]:
    """Each app process's sample (`serve_sampled`), by process number; the samples' files start with its pid."""
    wanted: dict[int, Path] = {}
    for app in apps:
        assert app.process is not None
        before = {p.name for p in folder.glob(f"{app.process.pid}-*.json")}
        os.kill(app.process.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            new = [p for p in folder.glob(f"{app.process.pid}-*.json") if p.name not in before]
            if new:
                wanted[app.number] = new[0].rename(folder / f"app{app.number}-{label}.json")
                snapshot = new[0].with_suffix(".snapshot")
                if snapshot.exists():
                    snapshot.rename(folder / f"app{app.number}-{label}.snapshot")
                break
            await asyncio.sleep(0.2)
    return wanted


def memory_report(folder: Path, labels: list[str], processes: int) -> dict[str, Any]:
    """Per process: each sample's figures in MB, and what grew between the first sample and the last (Python
    objects by type; with tracemalloc, the lines that allocated it)."""
    report: dict[str, Any] = {}
    for number in range(processes):
        samples = [json.loads((folder / f"app{number}-{label}.json").read_text()) for label in labels]
        series = {
            key: [None if s[key] is None else round(s[key], 1) for s in samples]
            for key in (
                "rss_mb",
                "anonymous_mb",
                "traced_mb",
                "tracemalloc_own_mb",
                "pymalloc_arenas_mb",
                "pymalloc_in_use_mb",
                "malloc_in_use_mb",
                "malloc_kept_free_mb",
                "threads",
            )
        }
        # Between the idle samples when there are some (nothing in flight), else the first and the last.
        compared = ["idle-before", "idle-after"] if "idle-after" in labels else [labels[0], labels[-1]]
        first, last = (dict(samples[labels.index(label)]["objects"]) for label in compared)
        grown = Counter({kind: last.get(kind, 0) - first.get(kind, 0) for kind in set(first) | set(last)})
        entry: dict[str, Any] = {"at": labels, **series, "compared": compared, "objects_grown": grown.most_common(12)}
        snapshots = [folder / f"app{number}-{label}.snapshot" for label in compared]
        if all(p.exists() for p in snapshots):
            old, new = (tracemalloc.Snapshot.load(str(p)) for p in snapshots)
            entry["lines_grown_kb"] = [
                (str(stat.traceback[0]), round(stat.size_diff / 1024), stat.count_diff)
                for stat in new.compare_to(old, "lineno")[:12]
            ]
        report[f"process {number}"] = entry
    return report


async def sampled_until(apps: list[App], options: Options, end: float) -> list[str]:
    """Waits until `end`; with --trace-memory, samples every process's memory now, every `sample_every`
    seconds and at the end (the labels are the seconds since the first)."""
    if not options.trace_memory:
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        return []
    folder, started, labels = Path(options.trace_memory), time.monotonic(), []
    while True:
        label = f"{time.monotonic() - started:04.0f}s"
        await sample_memory(apps, folder, label)
        labels.append(label)
        if time.monotonic() >= end:
            return labels
        await asyncio.sleep(max(0.0, min(options.sample_every, end - time.monotonic())))


def dataclass_replace(options: Options, **changes: Any) -> Options:
    import dataclasses

    return dataclasses.replace(options, **changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300, help="seconds of chaos (default 300)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--kill-every", type=float, default=20)
    parser.add_argument("--bulk-rows", type=int, default=500)
    parser.add_argument("--steady", type=float, default=0, help="seconds of the same mix without faults after")
    parser.add_argument("--warm-up", type=float, default=60, help="seconds of that mix before its baseline")
    parser.add_argument(
        "--no-lease-wait", action="store_true", help="report mail held by a killed sender's lease, do not wait for it"
    )
    parser.add_argument("--runs", type=int, default=1, help="chaos runs in a row")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--no-faults", action="store_true", help="no kills or outage (to measure --steady alone)")
    parser.add_argument("--keep-logs", default="", help="folder to copy the app logs to when they logged errors")
    parser.add_argument(
        "--trace-memory", default="", help="folder for samples of the app processes' memory during --steady"
    )
    parser.add_argument("--trace-frames", type=int, default=1, help="tracemalloc's frames with --trace-memory (0: off)")
    parser.add_argument("--sample-every", type=float, default=60, help="seconds between memory samples")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    failed = False
    for number in range(args.runs):
        options = Options(
            duration=args.duration,
            clients=args.clients,
            processes=args.processes,
            kill_every=args.kill_every,
            bulk_rows=args.bulk_rows,
            steady=args.steady if number == args.runs - 1 else 0,
            # Every run waits out the lease of mail a killed sender held (a minute), to see it go out.
            wait_for_leases=not args.no_lease_wait,
            warm_up=args.warm_up,
            seed=args.seed + number,
            keep_logs=args.keep_logs,
            trace_memory=args.trace_memory,
            trace_frames=args.trace_frames,
            sample_every=args.sample_every,
            faults=not args.no_faults,
        )
        figures = asyncio.run(run(options))
        print(json.dumps(figures, indent=2, default=str))
        failed = failed or bool(figures["problems"]) or bool(figures.get("steady", {}).get("problems"))
    print(f"load average after: {os.getloadavg()}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
