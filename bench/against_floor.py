"""Performance at 100,000 sessions on PostgreSQL, each figure beside its floor measured in the same run.

    .venv/bin/python bench/against_floor.py                     # 100,000 sessions, the full run (~5 min)
    .venv/bin/python bench/against_floor.py --sessions 20000 --rounds 10 --upload-rows 2000   # a quick look
    .venv/bin/python bench/against_floor.py --only upload       # the bulk upload figure alone

Seeds the demo data (`seed --demo --sessions N`: manager@example.org sees 80%) into a throwaway database,
folds the session tallies (as the housekeeper does every 5 minutes), runs `VACUUM ANALYZE`, starts
`sessiondesk serve` (one process) and measures, as that manager:

- the first page of 25 without `totalCount` and with it vs the GraphQL floor (bench/graphql_floor.py, a
  minimal Strawberry app served by uvicorn, its answer checked equal to ours): latency <= 1.5x and
  throughput (8 connections, 1 process each) >= 0.67x;

- what counting costs: the floor's first page with its count vs without it (the count is the sum of the
  organisation's session tallies, a column of the page's statement, as the app reads it);
- the first list page of 25 (GraphQL over HTTP, with `totalCount` and each item's mentor) vs the floor:
  the same page and count straight from asyncpg, no ORM, no GraphQL, no HTTP;
- list throughput with 8 connections against 1 server process (its pool allows 16 database connections)
  vs the floor with 8 asyncpg connections;
- the CSV download of all the manager's sessions, and the server's memory growth meanwhile, vs the floor:
  the same rows from an asyncpg cursor through `csv.writer`;
- a bulk upload of 10,000 creates in free slots (a tenth invite a mentee) vs the floor: a plain batched
  INSERT of the same sessions, labels and invitations;
- a bulk upload resumed after its server is killed (SIGKILL): how long until another server took it over,
  and that no row was applied twice;
- `sessionFacets` with nothing ticked vs the first page.

A/B pairs are interleaved (their order alternating each round) and compared by their medians; the
table at the end says for each goal whether it was met and by how much it was missed. Timings on a
shared machine are noisy: the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from throwaway import free_port, seeded_or_given  # noqa: E402

from backend.bulk_upload.columns import HEADER  # noqa: E402

MANAGER, PASSWORD = "manager@example.org", "demo1234"
PAGE_SIZE = 25
# What --only can name: the list pairs (counting, page, facets), throughput, download, bulk upload, takeover.
FIGURES = ("graphql", "list", "throughput", "export", "upload", "resume")
# The GraphQL floor (bench/graphql_floor.py): a minimal Strawberry app answering the same list query.
GRAPHQL_FLOOR = ("uvicorn", "--app-dir", str(ROOT / "bench"), "graphql_floor:app", "--log-level", "warning")
PAGE_QUERY = """query($page: Int!, $pageSize: Int!) { sessions(page: $page, pageSize: $pageSize) {
  totalCount totalPages hasNextPage
  items { id title type status startsAt durationMinutes menteeCount mentor { id name } }
} }"""
PAGE_QUERY_BARE = """query($page: Int!, $pageSize: Int!) { sessions(page: $page, pageSize: $pageSize) {
  items { id title type status startsAt durationMinutes menteeCount mentor { id name } }
} }"""
FACETS_QUERY = """{ sessionFacets { statuses { value count } types { value count } platforms { value count }
  categories { value count } recommendedFor { value count } mediums { value count } } }"""
UPLOAD = """mutation($file: Upload!) { bulkUploadSessions(file: $file) { bulkUpload { id } errors { message } } }"""

# The floor: what the page, its count and the download cost straight from the database.
FLOOR_PAGE = """SELECT s.id, s.title, s.type, s.status, s.starts_at, s.duration_minutes, s.mentee_count,
  u.id, u.name{count}
FROM "session" s JOIN "user" u ON u.id = s.mentor_id
WHERE s.organization_id = $1 AND s.deleted_at IS NULL ORDER BY s.starts_at, s.id LIMIT $2"""
# The count as the app reads it for a manager's list: the sum of the organisation's tally rows (migration
# 0008), a column of the page's own statement, so it costs no round trip of its own.
FLOOR_COUNT = "SELECT COALESCE(SUM(n), 0) FROM session_tally WHERE organization_id = $1"
FLOOR_PAGE_COUNTED = FLOOR_PAGE.format(count=f", ({FLOOR_COUNT}) AS total")
FLOOR_PAGE = FLOOR_PAGE.format(count="")
FLOOR_EXPORT = """SELECT s.id, s.title, s.type, s.status, u.name, u.email,
  to_char(s.starts_at AT TIME ZONE 'Asia/Kolkata', 'DD-MM-YYYY'),
  to_char(s.starts_at AT TIME ZONE 'Asia/Kolkata', 'HH24:MI'),
  'IST', s.duration_minutes, s.mentee_count, s.enrolled_count, s.invited_count, s.seats_limit,
  (SELECT string_agg(l.value, ', ' ORDER BY l.position, l.id) FROM session_label l
    WHERE l.session_id = s.id AND l.kind = 'RECOMMENDED_FOR'),
  (SELECT string_agg(l.value, ', ' ORDER BY l.position, l.id) FROM session_label l
    WHERE l.session_id = s.id AND l.kind = 'CATEGORY'),
  s.medium, s.meeting_platform
FROM "session" s JOIN "user" u ON u.id = s.mentor_id
WHERE s.organization_id = $1 AND s.deleted_at IS NULL ORDER BY s.starts_at, s.id"""
SESSION_INSERT_COLUMNS = [
    "id",
    "organization_id",
    "mentor_id",
    "created_by_id",
    "title",
    "description",
    "type",
    "status",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "time_zone",
    "medium",
    "meeting_platform",
    "meeting_link",
    "meeting_passcode",
    "seats_limit",
    "enrolled_count",
    "invited_count",
    "mentee_count",
    "image_path",
    "created_at",
    "updated_at",
]


def pg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- a lean HTTP/1.1 client, so the load generator takes little of the machine's two cores -----------


class Http:
    """One keep-alive connection to the server."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: bytes = b"", sink: bool = False) -> tuple[int, bytes, int]:
        """(status, body, body size); with `sink` the body is counted, not kept."""
        if self.writer is None:
            await self._connect()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        chunks, size = [], 0
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
            chunks.append(data)
            size = len(data)
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                length = int((await self.reader.readline()).split(b";")[0], 16)
                if length == 0:
                    await self.reader.readline()
                    break
                data = await self.reader.readexactly(length + 2)
                size += length
                if not sink:
                    chunks.append(data[:-2])
        return status, b"".join(chunks), size

    async def graphql(self, query: str, variables: dict | None = None) -> dict:
        status, body, _ = await self.request(
            "POST", "/graphql", json.dumps({"query": query, "variables": variables}).encode()
        )
        payload = json.loads(body)
        if status != 200 or payload.get("errors"):
            raise SystemExit(f"GraphQL failed: {status} {body[:400]!r}")
        return payload["data"]

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


# --- the servers ---------------------------------------------------------------------------------------


# The server's connection pool: a list page reads its page and its count at the same time, so 8 requests
# at once use up to 16 connections (the floor gets 8, one per request). Tortoise's default is 5.
SERVER_POOL = "?minsize=1&maxsize=16"


class Server:
    def __init__(self, env: dict[str, str], command: tuple[str, ...] = ("sessiondesk", "serve")) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin" / command[0]), *command[1:], "--port", str(self.port)],
            env={**os.environ, **env, "DATABASE_URL": env["DATABASE_URL"] + SERVER_POOL},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    async def ready(self) -> None:
        for _ in range(600):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise SystemExit("the server did not start")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


async def login(port: int) -> str:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        response = await client.post(
            "/graphql",
            json={
                "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                "variables": {"e": MANAGER, "p": PASSWORD},
            },
        )
        return response.json()["data"]["login"]["token"]


# --- results -------------------------------------------------------------------------------------------


@dataclass
class Goal:
    what: str
    ours: str
    floor: str
    ratio: str
    goal: str
    met: bool
    missed_by: str = ""
    judged: bool = True  # False: a figure shown for comparison, with no goal of its own

    @property
    def result(self) -> str:
        if not self.judged:
            return "-"
        return "met" if self.met else f"MISSED by {self.missed_by}".strip()


class Report:
    def __init__(self, ours: str = "ours", floor: str = "floor") -> None:
        self.goals: list[Goal] = []
        self.ours, self.floor = ours, floor

    def add(self, goal: Goal) -> None:
        self.goals.append(goal)
        verdict = {"-": "no goal", "met": "goal met"}.get(goal.result, f"goal {goal.result}")
        figures = f"{self.ours} {goal.ours}, {self.floor} {goal.floor}, ratio {goal.ratio}"
        print(f"  {goal.what}: {figures} ({goal.goal}) -> {verdict}")

    def print(self) -> None:
        rows = [("what", self.ours, self.floor, "ratio", "goal", "result")]
        for g in self.goals:
            rows.append((g.what, g.ours, g.floor, g.ratio, g.goal, g.result))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        print()
        for n, r in enumerate(rows):
            print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
            if n == 0:
                print("| " + " | ".join("-" * w for w in widths) + " |")


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


async def interleaved(rounds: int, runs: dict[str, Callable[[], Awaitable[object]]]) -> dict[str, list[float]]:
    """Each run once per round, the order reversed every other round; seconds per run."""
    timings: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for n in range(rounds):
        for name in names if n % 2 == 0 else reversed(names):
            started = time.perf_counter()
            await runs[name]()
            timings[name].append(time.perf_counter() - started)
    return timings


# --- the measurements -----------------------------------------------------------------------------------


async def list_figures(args, report: Report, pool: asyncpg.Pool, org_id: int, http: Http) -> float:
    async def floor_page(with_count: bool) -> None:
        async with pool.acquire() as connection:
            rows = await connection.fetch(FLOOR_PAGE_COUNTED if with_count else FLOOR_PAGE, org_id, PAGE_SIZE)
            total = rows[0]["total"] if with_count else None
        json.dumps({"total": total, "items": [[str(v) for v in row] for row in rows]})

    async def app_page() -> None:
        data = await http.graphql(PAGE_QUERY, {"page": 1, "pageSize": PAGE_SIZE})
        assert len(data["sessions"]["items"]) == PAGE_SIZE

    async def app_facets() -> None:
        await http.graphql(FACETS_QUERY)

    runs = {
        "floor page": lambda: floor_page(False),
        "floor page + count": lambda: floor_page(True),
        "our page": app_page,
        "our facets": app_facets,
    }
    for run in runs.values():  # warm-up: connections, caches, plans
        await run()
    t = await interleaved(args.rounds, runs)
    floor_bare, floor_counted = median(t["floor page"]), median(t["floor page + count"])
    ours, facets = median(t["our page"]), median(t["our facets"])
    ratio = floor_counted / floor_bare
    report.add(
        Goal(
            "what counting costs (floor page with totalCount vs without)",
            ms(floor_counted),
            ms(floor_bare),
            f"{ratio:.2f}x",
            "goal <= 1.5x",
            ratio <= 1.5,
            f"{ratio / 1.5 - 1:.0%}",
        )
    )
    ratio = ours / floor_counted
    report.add(
        Goal(
            f"first list page of {PAGE_SIZE} (with totalCount)",
            ms(ours),
            ms(floor_counted),
            f"{ratio:.2f}x",
            "goal <= 2x the floor",
            ratio <= 2,
            f"{ratio / 2 - 1:.0%}",
        )
    )
    ratio = facets / ours
    report.add(
        Goal(
            "sessionFacets, nothing ticked, vs our first page",
            ms(facets),
            ms(ours) + " (our page)",
            f"{ratio:.2f}x",
            "goal <= 2x the first page",
            ratio <= 2,
            f"{ratio / 2 - 1:.0%}",
        )
    )
    return ours


async def rate(port: int, token: str, query: str, seconds: float) -> float:
    """Requests per second of `query` (page 1 of 25) over 8 keep-alive connections for `seconds`."""
    done = 0
    deadline = time.perf_counter() + seconds
    clients = [Http(port, token) for _ in range(8)]

    async def worker(http: Http) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await http.graphql(query, {"page": 1, "pageSize": PAGE_SIZE})
            done += 1

    await asyncio.gather(*(worker(c) for c in clients))
    for c in clients:
        await c.close()
    return done / seconds


async def graphql_figures(args, report: Report, env: dict[str, str], server: Server, token: str) -> None:
    """The first page against the GraphQL floor, without totalCount and with it: latency (interleaved
    medians) <= 1.5x the floor's and throughput (8 connections, 1 process each) >= 0.67x, in the same run."""
    floor = Server(env, GRAPHQL_FLOOR)
    try:
        await floor.ready()
        ours, theirs = Http(server.port, token), Http(floor.port, token)
        for query in (PAGE_QUERY_BARE, PAGE_QUERY):  # the same JSON, or the floor is not a floor
            variables = {"page": 1, "pageSize": PAGE_SIZE}
            if await ours.graphql(query, variables) != await theirs.graphql(query, variables):
                raise SystemExit("the GraphQL floor answers differently from the app")
        runs = {
            f"{who} {kind}": (lambda http=http, query=query: http.graphql(query, {"page": 1, "pageSize": PAGE_SIZE}))
            for kind, query in (("bare", PAGE_QUERY_BARE), ("counted", PAGE_QUERY))
            for who, http in (("ours", ours), ("floor", theirs))
        }
        for run in runs.values():
            await run()
        t = await interleaved(args.rounds, runs)
        for kind, label in (("bare", "without totalCount"), ("counted", "with totalCount")):
            mine, floors = median(t[f"ours {kind}"]), median(t[f"floor {kind}"])
            ratio = mine / floors
            report.add(
                Goal(
                    f"first page of {PAGE_SIZE} {label} vs the GraphQL floor",
                    ms(mine),
                    ms(floors),
                    f"{ratio:.2f}x",
                    "goal <= 1.5x",
                    ratio <= 1.5,
                    f"{ratio / 1.5 - 1:.0%}",
                )
            )
        await ours.close()
        await theirs.close()
        for kind, query in (("without", PAGE_QUERY_BARE), ("with", PAGE_QUERY)):
            mine_rates, floor_rates = [], []
            for n in range(args.throughput_rounds):
                pair = [(mine_rates, server.port), (floor_rates, floor.port)]
                for rates, port in pair if n % 2 == 0 else reversed(pair):
                    rates.append(await rate(port, token, query, args.throughput_seconds))
            ratio = median(mine_rates) / median(floor_rates)
            report.add(
                Goal(
                    f"throughput {kind} totalCount, 8 connections, 1 process, vs the GraphQL floor",
                    f"{median(mine_rates):.0f} req/s",
                    f"{median(floor_rates):.0f} req/s",
                    f"{ratio:.2f}x",
                    "goal >= 0.67x",
                    ratio >= 0.67,
                    f"{1 - ratio / 0.67:.0%}",
                )
            )
    finally:
        floor.stop()


async def throughput(args, report: Report, pool: asyncpg.Pool, org_id: int, port: int, token: str) -> None:
    seconds = args.throughput_seconds

    async def floor_rate() -> float:
        done = 0
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            async with pool.acquire() as connection:
                while time.perf_counter() < deadline:
                    rows = await connection.fetch(FLOOR_PAGE_COUNTED, org_id, PAGE_SIZE)
                    total = rows[0]["total"]
                    json.dumps({"total": total, "items": [[str(v) for v in row] for row in rows]})
                    done += 1

        await asyncio.gather(*(worker() for _ in range(8)))
        return done / seconds

    async def app_rate() -> float:
        done = 0
        deadline = time.perf_counter() + seconds
        clients = [Http(port, token) for _ in range(8)]

        async def worker(http: Http) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await http.graphql(PAGE_QUERY, {"page": 1, "pageSize": PAGE_SIZE})
                done += 1

        await asyncio.gather(*(worker(c) for c in clients))
        for c in clients:
            await c.close()
        return done / seconds

    floor, ours = [], []
    for n in range(args.throughput_rounds):
        if n % 2 == 0:
            floor.append(await floor_rate())
            ours.append(await app_rate())
        else:
            ours.append(await app_rate())
            floor.append(await floor_rate())
    ratio = median(ours) / median(floor)
    report.add(
        Goal(
            "list throughput, 8 connections, 1 server process",
            f"{median(ours):.0f} req/s",
            f"{median(floor):.0f} req/s",
            f"{ratio:.2f}x",
            "goal >= 0.5x the floor",
            ratio >= 0.5,
            f"{1 - ratio / 0.5:.0%}",
        )
    )


async def export_figures(args, report: Report, pool: asyncpg.Pool, org_id: int, server: Server, token: str) -> None:
    async def floor_export() -> int:
        rows = 0
        async with pool.acquire() as connection, connection.transaction():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            cursor = connection.cursor(FLOOR_EXPORT, org_id, prefetch=5000)
            batch = []
            async for record in cursor:
                batch.append(record)
                if len(batch) == 5000:
                    writer.writerows(batch)
                    buffer.getvalue().encode()
                    buffer.seek(0)
                    buffer.truncate()
                    rows += len(batch)
                    batch = []
            writer.writerows(batch)
            rows += len(batch)
        return rows

    peak_growth = 0.0
    baseline = server.rss_mb()
    sizes = []

    async def app_export() -> None:
        nonlocal peak_growth
        http = Http(server.port, token)
        sampling = True

        async def sample() -> None:
            nonlocal peak_growth
            while sampling:
                peak_growth = max(peak_growth, server.rss_mb() - baseline)
                await asyncio.sleep(0.02)

        sampler = asyncio.create_task(sample())
        status, _, size = await http.request("GET", "/exports/sessions.csv", sink=True)
        sampling = False
        await sampler
        await http.close()
        if status != 200:
            raise SystemExit(f"the download answered {status}")
        sizes.append(size)

    t = await interleaved(args.export_rounds, {"ours": app_export, "floor": floor_export})
    ours, floor = median(t["ours"]), median(t["floor"])
    met = ours <= 2 and peak_growth <= 50
    report.add(
        Goal(
            f"CSV export of the manager's sessions ({sizes[-1] / 1e6:.1f} MB), server memory +{peak_growth:.0f} MB",
            f"{ours:.2f} s",
            f"{floor:.2f} s",
            f"{ours / floor:.2f}x",
            "goal <= 2 s and <= +50 MB",
            met,
            f"{ours / 2 - 1:.0%}" if ours > 2 else f"{peak_growth - 50:.0f} MB",
        )
    )


@dataclass
class Organisation:
    id: int
    manager_id: int
    mentors: list[tuple[int, str]]  # (id, email)
    mentees: list[tuple[int, str]]


async def organisation(pool: asyncpg.Pool) -> Organisation:
    manager = await pool.fetchrow('SELECT id, organization_id FROM "user" WHERE email = $1', MANAGER)
    org_id = manager["organization_id"]
    mentors = await pool.fetch(
        'SELECT id, email FROM "user" WHERE organization_id = $1 AND is_mentor ORDER BY id', org_id
    )
    mentees = await pool.fetch(
        'SELECT id, email FROM "user" WHERE organization_id = $1 AND is_mentee ORDER BY id', org_id
    )
    return Organisation(org_id, manager["id"], [tuple(m) for m in mentors], [tuple(m) for m in mentees])


@dataclass
class PlannedRow:
    mentor: tuple[int, str]
    starts_at: datetime
    title: str
    invitee: tuple[int, str] | None


def plan_rows(org: Organisation, count: int, first_day: datetime, tag: str) -> list[PlannedRow]:
    """`count` creates in free slots (far after the demo sessions), a tenth private with one invitation."""
    rng = random.Random(tag)
    rows = []
    for n in range(count):
        slot = n // len(org.mentors)
        starts_at = first_day + timedelta(hours=2 * slot)
        invitee = rng.choice(org.mentees) if n % 10 == 0 else None
        rows.append(PlannedRow(org.mentors[n % len(org.mentors)], starts_at, f"{tag} {n}", invitee))
    return rows


def csv_file(rows: list[PlannedRow]) -> bytes:
    ist = timedelta(hours=5, minutes=30)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in rows:
        local = r.starts_at + ist
        cells = {
            "Action": "Create",
            "Title": r.title,
            "Description": "Made by the benchmark.",
            "Type": "Private" if r.invitee else "Public",
            "Mentor": r.mentor[1],
            "Mentees": r.invitee[1] if r.invitee else "",
            "Date": local.strftime("%d-%m-%Y"),
            "Time Zone": "IST",
            "Time": local.strftime("%H:%M"),
            "Duration": "45",
            "Recommended For": "Teachers, Head teachers",
            "Categories": "Communication, Leadership",
            "Medium": "English",
            "Meeting Platform": "BigBlueButton",
        }
        writer.writerow([cells.get(name, "") for name in HEADER])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def floor_insert(pool: asyncpg.Pool, org: Organisation, rows: list[PlannedRow]) -> list[int]:
    """The floor of a bulk upload: the same sessions, labels and invitations by plain batched INSERTs,
    500 rows a transaction like the job."""
    ids: list[int] = []
    marks = ", ".join(f"${n}" for n in range(1, len(SESSION_INSERT_COLUMNS) + 1))
    insert_session = f'INSERT INTO "session" ({", ".join(SESSION_INSERT_COLUMNS)}) VALUES ({marks})'
    async with pool.acquire() as connection:
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            async with connection.transaction():
                new_ids = [
                    r["id"]
                    for r in await connection.fetch(
                        "SELECT nextval(pg_get_serial_sequence('session', 'id')) AS id FROM generate_series(1, $1)",
                        len(batch),
                    )
                ]
                now = datetime.now(UTC)
                sessions, labels, invites = [], [], []
                for new_id, r in zip(new_ids, batch, strict=True):
                    invited = 1 if r.invitee else 0
                    sessions.append(
                        (new_id, org.id, r.mentor[0], org.manager_id, r.title, "Made by the benchmark.",
                         "PRIVATE" if r.invitee else "PUBLIC", "UPCOMING", r.starts_at,
                         r.starts_at + timedelta(minutes=45), 45, "IST", "English", "BIG_BLUE_BUTTON", "", "", 20,
                         0, invited, invited, "", now, now)
                    )  # fmt: skip
                    labels += [
                        (new_id, "RECOMMENDED_FOR", "Teachers", 0),
                        (new_id, "RECOMMENDED_FOR", "Head teachers", 1),
                        (new_id, "CATEGORY", "Communication", 0),
                        (new_id, "CATEGORY", "Leadership", 1),
                    ]
                    if r.invitee:
                        invites.append((new_id, r.invitee[0], "INVITED", now))
                await connection.executemany(insert_session, sessions)
                await connection.executemany(
                    "INSERT INTO session_label (session_id, kind, value, position) VALUES ($1, $2, $3, $4)", labels
                )
                await connection.executemany(
                    "INSERT INTO attendance (session_id, mentee_id, kind, created_at) VALUES ($1, $2, $3, $4)", invites
                )
                ids += new_ids
    return ids


async def upload_file(port: int, token: str, data: bytes) -> int:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        response = await client.post(
            "/graphql",
            data={
                "operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": ("bench.csv", data, "text/csv")},
            headers={"Authorization": f"Bearer {token}"},
        )
        payload = response.json()["data"]["bulkUploadSessions"]
        if payload["errors"]:
            raise SystemExit(f"Upload refused: {payload['errors']}")
        return int(payload["bulkUpload"]["id"])


async def wait_for_upload(pool: asyncpg.Pool, upload_id: int, timeout: float = 600) -> asyncpg.Record:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        state = await pool.fetchrow("SELECT * FROM bulk_upload WHERE id = $1", upload_id)
        if state["status"] in ("COMPLETED", "FAILED"):
            return state
        await asyncio.sleep(0.05)
    raise SystemExit(f"bulk upload {upload_id} did not finish")


async def bulk_figures(args, report: Report, pool: asyncpg.Pool, org: Organisation, port: int, token: str) -> None:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1500)
    ours, floor = [], []
    for n in range(args.upload_rounds):
        rows = plan_rows(org, args.upload_rows, base + timedelta(days=60 * n), f"Bench upload {n}")

        async def app_run(rows: list[PlannedRow] = rows, n: int = n) -> None:
            started = time.perf_counter()
            upload_id = await upload_file(port, token, csv_file(rows))
            state = await wait_for_upload(pool, upload_id)
            ours.append(time.perf_counter() - started)
            if (state["status"], state["valid_rows"]) != ("COMPLETED", len(rows)):
                raise SystemExit(f"the upload did not apply every row: {dict(state)}")
            await pool.execute('DELETE FROM "session" WHERE title LIKE $1', f"Bench upload {n} %")

        async def floor_run(rows: list[PlannedRow] = rows) -> None:
            started = time.perf_counter()
            ids = await floor_insert(pool, org, rows)
            floor.append(time.perf_counter() - started)
            await pool.execute('DELETE FROM "session" WHERE id = ANY($1::int[])', ids)

        for run in (app_run, floor_run) if n % 2 == 0 else (floor_run, app_run):
            await run()
    await pool.execute("VACUUM ANALYZE")
    total = await pool.fetchval('SELECT COUNT(*) FROM "session"')
    report.add(
        Goal(
            f"bulk upload of {args.upload_rows:,} creates (free slots), {total:,} sessions in the database",
            f"{median(ours):.2f} s",
            f"{median(floor):.2f} s",
            f"{median(ours) / median(floor):.2f}x",
            "goal <= 5 s",
            median(ours) <= 5,
            f"{median(ours) / 5 - 1:.0%}",
        )
    )


async def resume_figure(args, report: Report, pool: asyncpg.Pool, org: Organisation, env: dict, token: str) -> None:
    """Two servers; the one running the job is killed; how long until the other took the job over."""
    first, second = Server(env), Server(env)
    await asyncio.gather(first.ready(), second.ready())
    try:
        rows = plan_rows(org, args.upload_rows, datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
                         + timedelta(days=1400), "Bench resume")  # fmt: skip
        upload_id = await upload_file(first.port, token, csv_file(rows))
        while True:
            state = await pool.fetchrow(
                "SELECT status, processed_rows, lease_owner FROM bulk_upload WHERE id = $1", upload_id
            )
            if state["processed_rows"] > 0:
                break
            await asyncio.sleep(0.01)
        owner = state["lease_owner"]
        running = next(s for s in (first, second) if f":{s.process.pid}:" in owner)
        running.kill()
        killed_at = time.perf_counter()
        while True:
            state = await pool.fetchrow("SELECT status, lease_owner FROM bulk_upload WHERE id = $1", upload_id)
            if state["lease_owner"] not in (owner, "") or state["status"] == "COMPLETED":
                break
            await asyncio.sleep(0.05)
        taken_over = time.perf_counter() - killed_at
        done = await wait_for_upload(pool, upload_id)
        recorded = await pool.fetchval("SELECT COUNT(*) FROM bulk_upload_row WHERE upload_id = $1", upload_id)
        created, distinct = await pool.fetchrow(
            "SELECT COUNT(*), COUNT(DISTINCT title) FROM \"session\" WHERE title LIKE 'Bench resume %'"
        )
        once = done["status"] == "COMPLETED" and recorded == created == distinct == len(rows)
        await pool.execute("DELETE FROM \"session\" WHERE title LIKE 'Bench resume %'")
    finally:
        first.stop()
        second.stop()
    report.add(
        Goal(
            f"bulk upload resumed after its server is killed ({'each row applied once' if once else 'ROWS WRONG'})",
            f"taken over {taken_over:.1f} s after the kill",
            "-",
            "-",
            "goal <= 15 s",
            taken_over <= 15 and once,
            f"{taken_over - 15:.1f} s" if taken_over > 15 else "rows applied twice or lost",
        )
    )


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


async def run(args: argparse.Namespace) -> None:
    print(f"Machine: {machine()}; load average at start {load()}")
    async with seeded_or_given(args.database_url, args.sessions, args.postgres_url) as env:
        pool = await asyncpg.create_pool(pg_url(env["DATABASE_URL"]), min_size=8, max_size=8)
        print(f"PostgreSQL {await pool.fetchval('SHOW server_version')}")
        org = await organisation(pool)
        visible = await pool.fetchval(FLOOR_COUNT, org.id)
        print(f"{MANAGER} sees {visible:,} of {await pool.fetchval('SELECT COUNT(*) FROM session'):,} sessions\n")

        report = Report()
        server = Server(env)
        try:
            await server.ready()
            token = await login(server.port)
            if "graphql" in args.only:
                await graphql_figures(args, report, env, server, token)
            if "list" in args.only:
                http = Http(server.port, token)
                await list_figures(args, report, pool, org.id, http)
                await http.close()
            if "throughput" in args.only:
                await throughput(args, report, pool, org.id, server.port, token)
            if "export" in args.only:
                await export_figures(args, report, pool, org.id, server, token)
            if "upload" in args.only:
                await bulk_figures(args, report, pool, org, server.port, token)
        finally:
            server.stop()
        if "resume" in args.only:
            await resume_figure(args, report, pool, org, env, token)
        await pool.close()
    report.print()
    print(f"\nLoad average at the end {load()} (a 2-core machine is idle below 1).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the page, count and facets pairs")
    parser.add_argument("--throughput-seconds", type=float, default=5.0)
    parser.add_argument("--throughput-rounds", type=int, default=2)
    parser.add_argument("--export-rounds", type=int, default=3)
    parser.add_argument("--upload-rows", type=int, default=10_000)
    parser.add_argument("--upload-rounds", type=int, default=3)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-url", help="an already seeded database (seed --demo) instead of seeding one")
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(FIGURES),
        help=f"measure only these figures, comma-separated, of: {','.join(FIGURES)} (e.g. --only upload)",
    )
    args = parser.parse_args()
    if unknown := args.only - set(FIGURES):
        parser.error(f"--only: no figure {', '.join(sorted(unknown))}; choose from {', '.join(FIGURES)}")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
