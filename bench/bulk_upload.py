"""Benchmark of the bulk upload: a 10,000-row file (mostly creates, some edits and deletes of existing
sessions, a tenth invalid) uploaded to a running `sessiondesk serve`, timed until the job completes.

    .venv/bin/python bench/bulk_upload.py                 # SQLite in a temporary folder
    .venv/bin/python bench/bulk_upload.py --postgres      # a throwaway PostgreSQL database
    .venv/bin/python bench/bulk_upload.py --rows 2000 --dry-run
    .venv/bin/python bench/bulk_upload.py --invites 0.5    # half the creates invite a mentee (more mail)
    .venv/bin/python bench/bulk_upload.py --profile       # run the job in this process under pyinstrument

The organisation is made straight in the database (a manager, 60 mentors, 300 mentees and 2,000
upcoming sessions to edit and delete); the server is started on a free port and stopped at the end.
Of the creates, a tenth (--invites) are private one-on-one sessions that invite a mentee; every
invitation and every deletion queues a mail, which the server's mail sender delivers meanwhile (to
.eml files), in the same process as the job.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from throwaway import free_port, throwaway_environment  # noqa: E402

from backend.auth import hash_password  # noqa: E402
from backend.bulk_upload.columns import HEADER  # noqa: E402
from backend.db import close_database, migrate, open_database  # noqa: E402
from backend.models import (  # noqa: E402
    LabelKind,
    Organization,
    Session,
    SessionLabel,
    SessionType,
    User,
    VocabularyKind,
    VocabularyValue,
    utcnow,
)
from backend.sessions.rules import match_key  # noqa: E402
from backend.settings import load_settings, use_settings  # noqa: E402

PASSWORD = "bench-password"
VOCABULARY = {
    VocabularyKind.CATEGORY: ["Communication", "Leadership"],
    VocabularyKind.RECOMMENDED_FOR: ["Teachers", "Head teachers"],
    VocabularyKind.MEDIUM: ["English", "Hindi"],
}
MENTORS, MENTEES, EXISTING = 60, 300, 2000
UPLOAD = """mutation($file: Upload!, $dryRun: Boolean) { bulkUploadSessions(file: $file, dryRun: $dryRun) {
  bulkUpload { id status totalRows } errors { message } } }"""
PROGRESS = """query($id: ID!) { bulkUpload(id: $id) {
  status processedRows validRows invalidRows startedAt finishedAt message } }"""
IST = timedelta(hours=5, minutes=30)
BASE = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)


async def make_organisation() -> tuple[list[str], list[str], list[int]]:
    """Mentor emails, mentee emails and the IDs of existing upcoming sessions (first mentor slots)."""
    org = await Organization.create(name="Bench organisation")
    password_hash = hash_password(PASSWORD)
    await User.create(
        organization=org, email="manager@bench.test", name="Bench Manager", password_hash=password_hash, is_manager=True
    )
    mentors = [
        User(organization=org, email=f"mentor{n}@bench.test", name=f"Mentor {n}", is_mentor=True)
        for n in range(MENTORS)
    ]
    mentees = [
        User(organization=org, email=f"mentee{n}@bench.test", name=f"Mentee {n}", is_mentee=True)
        for n in range(MENTEES)
    ]
    await User.bulk_create(mentors + mentees)
    # The organisation's lists (vocabulary): the file's categories, "recommended for" values and mediums.
    await VocabularyValue.bulk_create(
        [
            VocabularyValue(organization=org, kind=kind, value=value, match_key=match_key(value), position=n)
            for kind, values in VOCABULARY.items()
            for n, value in enumerate(values)
        ]
    )
    mentors = await User.filter(is_mentor=True).order_by("id")
    sessions = []
    for n in range(EXISTING):
        # Existing sessions sit on odd hours; the file's creates use even hours, 45 minutes each.
        starts_at = BASE + timedelta(hours=2 * (n // MENTORS) + 1)
        sessions.append(
            Session(
                organization=org,
                mentor=mentors[n % MENTORS],
                title=f"Existing session {n}",
                description="Seeded.",
                type=SessionType.PUBLIC,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=45),
                duration_minutes=45,
                medium="English",
            )
        )
    await Session.bulk_create(sessions)
    ids = list(await Session.all().order_by("id").values_list("id", flat=True))
    await SessionLabel.bulk_create(
        [SessionLabel(session_id=i, kind=LabelKind.CATEGORY, value="Communication") for i in ids]
        + [SessionLabel(session_id=i, kind=LabelKind.RECOMMENDED_FOR, value="Teachers") for i in ids]
    )
    return [m.email for m in mentors], [f"mentee{n}@bench.test" for n in range(MENTEES)], ids


def make_file(
    rows: int, mentors: list[str], mentees: list[str], existing: list[int], invites: float, seed: int = 7
) -> tuple[bytes, int]:
    """The CSV and how many of its rows are meant to be invalid."""
    rng = random.Random(seed)
    edits, deletes = rows // 10, rows // 10
    creates = rows - edits - deletes
    targets = rng.sample(existing, min(len(existing), edits + deletes))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    invalid = 0
    for n in range(creates):
        local = BASE + IST + timedelta(hours=2 * (n // len(mentors)))  # even hours (UTC): free for the mentor
        cells = {
            "Action": "Create",
            "Title": f"Bulk session {n}",
            "Description": f"Session {n} made by the benchmark.",
            "Type": "Public",
            "Mentor": mentors[n % len(mentors)],
            "Date": local.strftime("%d-%m-%Y"),
            "Time Zone": "IST",
            "Time": local.strftime("%H:%M"),
            "Duration": "45",
            "Recommended For": "Teachers, Head teachers",
            "Categories": "Communication, Leadership",
            "Medium": "English",
            "Meeting Platform": "BigBlueButton",
        }
        if rng.random() < invites:  # one-on-one mentoring: a private session with one invited mentee
            cells["Type"], cells["Mentees"] = "Private", rng.choice(mentees)
        if n % 10 == 9:  # a tenth invalid, in several ways
            invalid += 1
            kind = (n // 10) % 4
            if kind == 0:
                cells["Date"] = "31-02-2030"
            elif kind == 1:
                cells["Mentor"] = "nobody@bench.test"
            elif kind == 2:
                cells["Meeting Platform"] = "Zoom"  # no link, no passcode
            else:
                cells["Duration"] = "10"
        writer.writerow([cells.get(name, "") for name in HEADER])
    for n, session_id in enumerate(targets):
        if n < edits:
            cells = {
                "Action": "Edit",
                "ID": str(session_id),
                "Title": f"Renamed session {session_id}",
                "Medium": "Hindi",
            }
            if n % 10 == 9:
                invalid += 1
                cells["Duration"] = "sixty"
        else:
            cells = {"Action": "Delete", "ID": str(session_id)}
            if n % 10 == 9:
                invalid += 1
                cells["ID"] = str(10_000_000 + n)
        writer.writerow([cells.get(name, "") for name in HEADER])
    return out.getvalue().encode("utf-8"), invalid


async def prepare(args, env: dict) -> tuple[bytes, int]:
    settings = use_settings(load_settings(env))
    await migrate(settings)
    await open_database(settings)
    try:
        mentors, mentees, existing = await make_organisation()
    finally:
        await close_database()
    return make_file(args.rows, mentors, mentees, existing, args.invites)


async def run_server_bench(args, env: dict, data: bytes, expected_invalid: int) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/sessiondesk"), "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            # Up to two minutes for the server to come up: a loaded machine starts Python slowly.
            deadline = time.perf_counter() + 120
            while True:
                try:
                    await client.get("/healthz")
                    break
                except httpx.TransportError:
                    if time.perf_counter() > deadline:
                        raise
                    await asyncio.sleep(0.1)
            login = await client.post(
                "/graphql",
                json={
                    "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                    "variables": {"e": "manager@bench.test", "p": PASSWORD},
                },
            )
            client.headers["Authorization"] = f"Bearer {login.json()['data']['login']['token']}"
            started = time.perf_counter()
            response = await client.post(
                "/graphql",
                data={
                    "operations": json.dumps({"query": UPLOAD, "variables": {"file": None, "dryRun": args.dry_run}}),
                    "map": json.dumps({"0": ["variables.file"]}),
                },
                files={"0": ("bench.csv", data, "text/csv")},
            )
            payload = response.json()["data"]["bulkUploadSessions"]
            if payload["errors"]:
                raise SystemExit(f"Upload refused: {payload['errors']}")
            accepted = time.perf_counter() - started
            upload_id = payload["bulkUpload"]["id"]
            while True:
                await asyncio.sleep(0.1)
                progress = (
                    await client.post("/graphql", json={"query": PROGRESS, "variables": {"id": upload_id}})
                ).json()
                state = progress["data"]["bulkUpload"]
                if state["status"] in ("COMPLETED", "FAILED"):
                    break
            total = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    if state["status"] != "COMPLETED":
        raise SystemExit(f"The upload did not complete: {state}")
    rows = state["validRows"] + state["invalidRows"]
    print(
        f"Rows: {rows} ({state['validRows']} valid, {state['invalidRows']} invalid; {expected_invalid} meant invalid)"
    )
    print(f"Upload accepted (file checked and stored) in {accepted:.2f} s")
    print(f"Upload to completed: {total:.2f} s = {rows / total:,.0f} rows/s{' (dry run)' if args.dry_run else ''}")


async def run_profiled(args, env: dict, data: bytes) -> None:
    """The same upload run by the job in this process, under pyinstrument."""
    from pyinstrument import Profiler

    from backend.bulk_upload import job, uploads

    settings = use_settings(load_settings(env))
    await open_database(settings)
    try:
        manager = await User.get(email="manager@bench.test")
        await uploads.submit(manager, "bench.csv", data, args.dry_run)
        profiler = Profiler(async_mode="enabled")
        started = time.perf_counter()
        with profiler:
            await job.run_pending()
        print(f"Job alone: {time.perf_counter() - started:.2f} s")
        profiler.print(show_all=False)
    finally:
        await close_database()


async def main(args: argparse.Namespace) -> None:
    async with throwaway_environment(args.postgres, args.postgres_url) as env:
        data, expected_invalid = await prepare(args, env)
        print(
            f"{'PostgreSQL' if args.postgres else 'SQLite'}: {args.rows} rows, {len(data) / 1e6:.1f} MB, "
            f"invites {args.invites:.0%} of creates"
        )
        if args.profile:
            await run_profiled(args, env, data)
        else:
            await run_server_bench(args, env, data, expected_invalid)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="use a throwaway PostgreSQL database")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--dry-run", action="store_true", help="upload as a dry run")
    parser.add_argument(
        "--invites", type=float, default=0.1, help="share of creates that invite a mentee (each gets a mail)"
    )
    parser.add_argument("--profile", action="store_true", help="run the job in this process under pyinstrument")
    asyncio.run(main(parser.parse_args()))
