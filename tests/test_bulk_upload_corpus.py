"""A corpus of bad files and bad rows that, uploaded, produces every message of the troubleshooting
catalogue (tests/test_bulk_upload_docs.py reads it from the code), and no message outside it."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from backend.bulk_upload import columns, job
from backend.models import (
    ActivityChannel,
    BulkUpload,
    MeetingPlatform,
    SessionStatus,
    SessionType,
    User,
    VocabularyKind,
    VocabularyValue,
    utcnow,
)
from backend.sessions import changes, writing
from backend.sessions.history import Origin
from backend.sessions.rules import SessionInput
from backend.settings import use_settings
from tests.support.bulk_upload import HEADER, create, csv_bytes, day, people, row, upload, upload_and_run
from tests.support.bulk_upload_messages import catalogue, pattern
from tests.support.factories import make_session, make_user

# Rules messages that no CSV row can reach (docs/bulk-upload.md says why, under "Rules messages a
# file cannot produce").
UNREACHABLE = [
    "This session is completed, so its meeting information can no longer be changed.",
    "The start time has no time zone; give it with an offset or as IST or UTC.",
    "The seats limit {} is not allowed; enter a number from 1 to {}.",
    "The seats limit {} is below the {} mentees already in the session; raise it or remove mentees first.",
    "Give the email of at least one mentee to invite.",
    "Mentee ID {} {} not in this session; reload the mentee list and pick again.",
    "Choose at least one mentee to remove.",
    "A private session needs at least one invited mentee; invite another mentee before removing the last one.",
    "There is no deleted session with ID {} in your organisation; check the ID in the Recently deleted list.",
    "This session was deleted {}, more than {} days ago (TRASH_KEEP_DAYS), so it can no longer be restored; "
    "create it again instead.",
    "This session was to start {}, which has passed, so it cannot be restored; create a new session instead.",
]
LABELS = sorted({c.name for c in columns.ALL_COLUMNS} | {"Date/Time"}, key=len, reverse=True)
ANY_LABEL = "|".join(map(re.escape, LABELS))
SPLIT = re.compile(f"; (?=(?:{ANY_LABEL}): )")
PREFIX = re.compile(f"^(?:{ANY_LABEL}): ")


def problems_of(message: str) -> list[str]:
    """A Status Message split back into its problems, without their column labels."""
    return [PREFIX.sub("", part) for part in SPLIT.split(message)] if message else []


BAD_FILES = [
    # (what, file bytes, settings changes, the start of the message)
    (
        "too large",
        csv_bytes([row(action="Delete", id=1)] * 20),
        {"bulk_max_bytes": 100},
        "The file is larger than 100 bytes.",
    ),
    ("empty", b"", {}, "The file is empty."),
    ("blank lines only", b"\r\n \r\n", {}, "The file is empty."),
    ("header only", csv_bytes([]), {}, "The file has a header but no rows."),
    (
        "too many rows",
        csv_bytes([row(action="Delete", id=n) for n in range(1, 4)]),
        {"bulk_max_rows": 2},
        "The file has 3 rows; one upload can have at most 2.",
    ),
    ("an Excel workbook", b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), {}, "This is an Excel workbook, not a CSV file."),
    ("UTF-16 text", "Action,ID\r\nDelete,1\r\n".encode("utf-16"), {}, "The file is saved as UTF-16"),
    ("UTF-16 without BOM", "Action,ID\r\nDelete,1\r\n".encode("utf-16-le"), {}, "The file is saved as UTF-16"),
    ("binary", bytes(range(256)) * 4, {}, "This is not a CSV text file: it holds binary data."),
    ("control characters", bytes(range(1, 9)) * 100, {}, "This is not a CSV text file: it holds binary data."),
    (
        "Latin-1 text",
        "Action,ID,Title\r\nCreate,,Café\r\n".encode("latin-1"),
        {},
        "The file is not saved as UTF-8: line 2 has a character that cannot be read "
        "(byte 0xE9, “é” in Windows/Latin-1).",
    ),
    (
        "tab separated",
        b"Action\tID\r\nDelete\t1\r\n",
        {},
        "The header is separated by tabs, not by commas or semicolons.",
    ),
    (
        "an unclosed quote",
        b'Action,ID,Title\r\nCreate,,"Unclosed\r\nDelete,1,x\r\n',
        {},
        "The quotes in the file do not pair up (the row that starts on line 2)",
    ),
    (
        "unknown and missing columns",
        b"Titel,Foo\r\nx,y\r\n",
        {},
        "The header has columns that are not known here: “Titel”, “Foo”. The header lacks the required columns "
        "“Action”, “ID”. Use the column names of the sample file: Action,ID,Title,",
    ),
    (
        "a column twice",
        b"Action,ID,Mentor,Mentor(Email)\r\nDelete,1,,\r\n",
        {},
        "The column “Mentor” appears more than once in the header; keep one of them.",
    ),
    (
        "an unnamed column",
        b"Action,ID,,Title\r\nDelete,1,,\r\n",
        {},
        "Column 3 of the header has no name; name it or delete the column.",
    ),
    (
        "unnamed columns (however many, five are named and the rest counted)",
        b"Action,ID" + b"," * 8 + b",Title\r\nDelete,1\r\n",
        {},
        "Columns 3, 4, 5, 6, 7 and 3 more of the header have no name; name them or delete those columns.",
    ),
    (
        "a header of a million empty cells",
        b"Action,ID," + b"," * 1_000_000 + b"Title\r\nDelete,1\r\n",
        {},
        "The header has 1,000,003 columns; a bulk upload file has at most 100. Delete the columns that are not "
        "in the sample file and upload it again.",
    ),
]


async def upload_bad_files(graphql, db) -> list[str]:
    produced = []
    for what, data, changed, expected in BAD_FILES:
        use_settings(dataclasses.replace(db, **changed))
        try:
            payload = await upload(graphql.http, graphql.token, data)
        finally:
            use_settings(db)
        message = payload["errors"][0]["message"] if payload["errors"] else ""
        assert message.startswith(expected), (what, message)
        assert payload["errors"][0]["field"] == "file" and payload["errors"][0]["code"] == "INVALID"
        assert payload["bulkUpload"]["status"] == "FAILED" and payload["bulkUpload"]["message"] == message, what
        produced.append(message)
    return produced


async def bad_rows(p) -> list[tuple[list[str], list[str]]]:
    """(row, message fragments it must produce) — the corpus of bad rows, in file order. In the
    Status Message a row's problems follow the order of the columns."""
    org = p.org
    crowd = [await make_user(org, "MENTEE", email=f"crowd{n}@example.test") for n in range(21)]
    await make_user(org, "MENTEE", email="notmentor@example.test")
    upcoming = await make_session(org, p.mentor)
    private = await make_session(org, p.mentor, type=SessionType.PRIVATE, invited=(p.mentees[0],))
    live = await make_session(org, p.mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(minutes=10))
    done = await make_session(org, p.mentor, status=SessionStatus.COMPLETED, starts_at=utcnow() - timedelta(days=3))
    m = p.other_mentor
    return [
        (row(title="No action"), ["Action: The action is empty; enter Create, Edit or Delete."]),
        (row(action="Update", id=upcoming.id), ["Action: “Update” is not an action"]),
        (row(action="Edit", title="x"), ["ID: Edit needs the session's ID"]),
        (row(action="Delete", id="abc"), ["ID: “abc” is not a session ID"]),
        (create(m, "With ID", id=upcoming.id), ["ID: A Create row has no ID, but this one has"]),
        (create(m, "Bad date", date="31-02-2030"), ["Date: “31-02-2030” is not a date in DD-MM-YYYY format"]),
        (create(m, "Bad time", time="5 pm"), ["Time: “5 pm” is not a 24-hour time"]),
        (create(m, "Bad zone", time_zone="PST"), ["Time Zone: “PST” is not a time zone known here"]),
        (create(m, "No zone", time_zone=""), ["Time Zone: Fill in Time Zone too"]),
        (create(m, "Bad duration", duration="sixty"), ["Duration: “sixty” is not a whole number of minutes"]),
        (create(m, "Bad type", type="Open"), ["Type: “Open” is not a session type"]),
        (
            create(m, "Bad platform", meeting_platform="Teams", meeting_link="https://teams.example/x"),
            ["Meeting Platform: “Teams” is not a meeting platform"],
        ),
        (create(m, "Extra cells", days_ahead=11) + ["stray", "cells"], ["This row has 19 cells but the header has 17"]),
        (row(action="Edit", id=999999), ["ID: There is no session with ID 999999 in your organisation"]),
        (
            row(action="Create"),
            [
                "Title: The title is required",
                "Description: The description is required",
                "Type: The session type is required",
                "Mentor: The mentor is required",
                "Date/Time: The date and time are required",
                "Duration: The duration is required",
                "Recommended For: Give one or more recommended for values",
                "Categories: Give one or more category values",
                "Medium: The medium is required",
            ],
        ),
        (
            create(m, "x" * 230, description="y" * 5001, medium="z" * 101),
            [
                "Title: The title has 230 characters",
                "Description: The description has 5001 characters",
                "Medium: “zzzzzzzzzz",
                "is not one of your organisation's mediums, which are: English, Hindi, Tamil.",
            ],
        ),
        (
            row(action="Edit", id=upcoming.id, type="Private"),
            ["Type: The type of a published session cannot change (it is Public)"],
        ),
        (
            create(m, "Unknown mentor", mentor="nobody@example.test"),
            ["Mentor: No mentor nobody@example.test in your organisation"],
        ),
        (create(m, "Not a mentor", mentor="notmentor@example.test"), ["Mentor: No mentor notmentor@example.test"]),
        (
            row(action="Edit", id=upcoming.id, mentor=m.email),
            ["Mentor: The mentor of a published session cannot change"],
        ),
        (create(m, "In the past", date=day(-2)), ["Date/Time: The start", "is in the past"]),
        (create(m, "First of two", days_ahead=20), []),
        (create(m, "Second of two", days_ahead=20), ["Date/Time: Meera Iyer already has “First of two” on"]),
        (create(m, "Too short", duration=10), ["Duration: The duration 10 minutes is not allowed"]),
        (create(m, "Long category", categories="c" * 120), ["Categories: “cccccccccc", "…” is not one of"]),
        (
            create(m, "Misspelt category", categories="Comunication"),
            ["Categories: “Comunication” is not one of your organisation's categories; did you mean “Communication”?"],
        ),
        (create(m, "Bad email", mentees="asha@"), ["Mentees: “asha@” is not an email address"]),
        (
            create(m, "Bad emails", mentees="asha@, ravi@"),
            ["Mentees: “asha@”, “ravi@” are not email addresses; write each like name@example.org."],
        ),
        (
            create(m, "Many categories", categories=", ".join(f"Topic {n}" for n in range(21))),
            ["Categories: You gave 21 category values; a session takes at most 20. Remove some."],
        ),
        (
            create(m, "Unknown mentee", mentees="nobody@example.test"),
            ["Mentees: No mentee with the email nobody@example.test"],
        ),
        (
            create(m, "Too many", type="Private", mentees=", ".join(u.email for u in crowd)),
            ["Mentees: This would put 21 mentees in a session with 20 seats"],
        ),
        (create(m, "Lonely private", type="Private"), ["Mentees: A private session is one-on-one mentoring"]),
        (
            row(action="Edit", id=private.id, mentees=","),
            ["Mentees: A private session needs at least one invited mentee; keep one"],
        ),
        (
            create(m, "BBB link", meeting_link="https://meet.google.com/abc-defg-hij"),
            ["Meeting Link: BigBlueButton rooms are made when the session starts"],
        ),
        (
            create(m, "Zoom nothing", meeting_platform="zoom"),
            [
                "Meeting Link: A Zoom session needs its meeting link",
                "Meeting Passcode: A Zoom meeting needs its passcode",
            ],
        ),
        (
            create(
                m,
                "Meet wrong",
                meeting_platform="google meet",
                meeting_link="http://teams.example/x",
                meeting_passcode="1",
            ),
            [
                "Meeting Link: “http://teams.example/x” is not a Google Meet link",
                "Meeting Passcode: Google Meet meetings have no passcode",
            ],
        ),
        (
            row(action="Edit", id=live.id, title="New title"),
            ["The mentor has started this session, so its details can no longer be edited"],
        ),
        (
            row(action="Edit", id=done.id, title="New title"),
            ["This session is completed, so it can no longer be edited."],
        ),
        (row(action="Delete", id=live.id), ["The mentor has started this session, so it can no longer be deleted."]),
        (row(action="Delete", id=done.id), ["This session is completed, so it can no longer be deleted."]),
    ]


class Deadlock(Exception):
    sqlstate = "40P01"


async def concurrency_messages(graphql, p, monkeypatch) -> list[str]:
    """A batch the database refuses is redone row by row; rows that fail again get these messages."""
    edited = await make_session(p.org, p.mentor, title="Edited meanwhile")
    real_persist = writing.persist

    async def persist(planned, origin, now=None):
        for change in planned:
            if change.session.title == "Edited meanwhile (new)":
                raise writing.ChangedMeanwhile(change.session.id)
            if change.session.title == "Booked meanwhile":
                raise IntegrityError('conflicting key value violates exclusion constraint "session_mentor_no_clash"')
            if change.session.title == "Deadlocked":
                raise Deadlock("deadlock detected")
        await real_persist(planned, origin, now)

    monkeypatch.setattr(writing, "persist", persist)
    data = csv_bytes(
        [
            create(p.mentor, "Fine before", days_ahead=30),
            row(action="Edit", id=edited.id, title="Edited meanwhile (new)"),
            create(p.mentor, "Booked meanwhile", days_ahead=31),
            create(p.mentor, "Deadlocked", days_ahead=32),
            create(p.mentor, "Fine after", days_ahead=33),
        ]
    )
    result = await upload_and_run(graphql, data)
    monkeypatch.setattr(writing, "persist", real_persist)
    assert result["status"] == "COMPLETED", result
    statuses = {r["rowNumber"]: r["status"] for r in result["rows"]}
    # One row's failure never touches another: the fine rows are applied all the same.
    assert statuses[2] == statuses[6] == "VALID"
    assert statuses[3] == statuses[4] == "INVALID"
    return [r["message"] for r in result["rows"]]


async def version_messages(graphql, p) -> list[str]:
    """The optional Version column: a version that is not a number, and sessions changed since their
    version, with their history (a manager's edit) and without it (pruned)."""
    edited = await make_session(p.org, p.mentor, title="Exported")
    manager = await User.get(id=p.manager.id)
    await writing.apply(
        lambda d: changes.plan_update(manager, edited.id, SessionInput(title="Changed since"), d),
        Origin.of(manager, ActivityChannel.API),
    )
    forgotten = await make_session(p.org, p.mentor, title="History pruned", version=3)
    rows = [
        [*row(action="Edit", id=edited.id, title="From the file"), "1"],
        [*row(action="Delete", id=forgotten.id), "1"],
        [*row(action="Edit", id=edited.id, title="Bad version"), "one"],
    ]
    result = await upload_and_run(graphql, csv_bytes(rows, header=[*HEADER, "Version"]), dry_run=True)
    found = [r["message"] for r in result["rows"]]
    assert found[0].startswith("Title: ") and "changed the title; it is now “Changed since”" in found[0]
    assert found[1].startswith("This session changed since version 1 (it is at version 3)")
    assert found[2].startswith("Version: “one” is not a session version")
    return found


async def stopped_job_message(graphql, p, monkeypatch) -> str:
    async def broken(*args, **kwargs):
        raise RuntimeError("a fault in the app")

    monkeypatch.setattr(job, "check_row", broken)
    payload = await upload(graphql.http, graphql.token, csv_bytes([create(p.mentor, "Never", days_ahead=40)]))
    await job.run_pending()
    monkeypatch.undo()
    found = await BulkUpload.get(id=int(payload["bulkUpload"]["id"]))
    assert found.status.value == "FAILED"
    return found.message


async def empty_list_message(graphql, p) -> str:
    """An organisation whose list of mediums is still empty."""
    await VocabularyValue.filter(organization_id=p.org.id, kind=VocabularyKind.MEDIUM).delete()
    result = await upload_and_run(graphql, csv_bytes([create(p.mentor, "Before the lists", days_ahead=300)]), True)
    (found,) = result["rows"]
    assert found["message"] == (
        "Medium: “English” cannot be used: your organisation has no mediums yet; "
        "a session manager adds them on the Vocabulary page."
    )
    return found["message"]


async def test_uploads_produce_every_message_of_the_catalogue_and_no_other(graphql, db, monkeypatch):
    p = await people(graphql)
    file_messages = await upload_bad_files(graphql, db)

    corpus = await bad_rows(p)
    result = await upload_and_run(graphql, csv_bytes([cells for cells, _ in corpus]), dry_run=True)
    row_messages = [r["message"] for r in result["rows"]]
    for (cells, expected), found in zip(corpus, result["rows"], strict=True):
        assert found["status"] == ("INVALID" if expected else "VALID"), (cells, found)
        for fragment in expected:
            assert fragment in found["message"], (fragment, found["message"])

    # The optional Reminders column, in a file that has it.
    reminders = await upload_and_run(
        graphql, csv_bytes([[*create(p.mentor, "Bad reminders"), "Maybe"]], header=[*HEADER, "Reminders"]), dry_run=True
    )
    assert "Reminders: “Maybe” is not a reminders setting" in reminders["rows"][0]["message"]
    row_messages.append(reminders["rows"][0]["message"])

    row_messages += await version_messages(graphql, p)

    mentor = await User.get(id=p.mentor.id)
    await graphql.login(mentor.email)
    refused = await upload(graphql.http, graphql.token, csv_bytes([create(p.mentor)]))
    assert refused["bulkUpload"] is None and refused["errors"][0]["code"] == "PERMISSION_DENIED"
    row_messages.append(refused["errors"][0]["message"])
    await graphql.login(p.manager.email)

    row_messages += await concurrency_messages(graphql, p, monkeypatch)
    row_messages.append(await empty_list_message(graphql, p))
    job_messages = [await stopped_job_message(graphql, p, monkeypatch)]

    everything = file_messages + row_messages + job_messages
    templates = [t for t in catalogue() if t not in UNREACHABLE]
    never = [t for t in templates if not any(re.search(pattern(t), m) for m in everything)]
    assert not never, "No upload of the corpus produced these messages:\n" + "\n".join(never)

    whole = [re.compile(pattern(t) + "$") for t in catalogue()]
    problems = [problem for m in row_messages + job_messages for problem in problems_of(m)]
    strangers = [p for p in problems if not any(w.match(p) for w in whole)]
    sentence = "(?:" + "|".join(pattern(t) for t in catalogue()) + ")"
    strangers += [m for m in file_messages if not re.fullmatch(f"{sentence}(?: {sentence})*", m)]
    assert not strangers, "Messages outside the catalogue:\n" + "\n".join(strangers)


async def test_a_row_reports_its_cell_problems_and_the_rules_problems_together(graphql, db):
    p = await people(graphql)
    data = csv_bytes(
        [
            create(
                p.mentor,
                "",
                date="32-13-2030",
                mentees="nobody@example.test",
                meeting_platform=MeetingPlatform.ZOOM.value,
            )
        ]
    )

    result = await upload_and_run(graphql, data, dry_run=True)

    assert problems_of(result["rows"][0]["message"]) == [
        "The title is required; enter the topic of the session.",
        "No mentee with the email nobody@example.test in your organisation; "
        "check the spelling, or add them as mentees first.",
        "“32-13-2030” is not a date in DD-MM-YYYY format; write it like 25-12-2026.",
        "A Zoom session needs its meeting link; paste the link from Zoom.",
        "A Zoom meeting needs its passcode; copy it from the Zoom invitation.",
    ]
    # The rules' own "date and time are required" is not repeated beside the unreadable date.
    assert "The date and time are required" not in result["rows"][0]["message"]
    assert result["rows"][0]["message"].startswith("Title: The title is required")
