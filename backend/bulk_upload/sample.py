"""The sample file: the header in the documented order and a few rows that explain themselves.

Its people are at example.invalid and its IDs are 0, which nothing real can be (the .invalid domain never
exists, session IDs start at 1): uploading the sample unchanged shows every kind of row and changes nothing.
Replace them with your own to make a file of your own."""

from __future__ import annotations

from datetime import date, timedelta

from backend.bulk_upload import columns
from backend.csv_format import BOM, csv_line

# A row's date is given as a number of days after the day the sample is downloaded (a month ahead), so that
# the sample never describes a session in the past.
SAMPLE_ROWS: list[dict[str, str | int]] = [
    {
        "action": "Create",
        "title": "Lesson planning basics",
        "description": "Create row: leave ID empty. Mentees are optional for a Public session.",
        "type": "Public",
        "mentor": "your-mentor@example.invalid",
        "date": 30,
        "time_zone": "IST",
        "time": "17:00",
        "duration": "60",
        "recommended_for": "Teachers, Block education officer",
        "categories": "Communication, Life skills",
        "medium": "English",
        "meeting_platform": "BigBlueButton",
    },
    {
        "action": "Create",
        "title": "One-on-one mentoring",
        "description": "A Private session needs at least one invited mentee; separate emails with commas.",
        "type": "Private",
        "mentor": "your-mentor@example.invalid",
        "mentees": "first-mentee@example.invalid, second-mentee@example.invalid",
        "date": 30,
        "time_zone": "IST",
        "time": "10:30 Hrs",
        "duration": "45",
        "recommended_for": "Teachers",
        "categories": "Career guidance",
        "medium": "Hindi",
        "meeting_platform": "Google Meet",
        "meeting_link": "https://meet.google.com/abc-defg-hij",
    },
    {
        "action": "Create",
        "title": "Classroom management",
        "description": "Zoom needs its link and passcode. The time is read in the row's time zone, here UTC.",
        "type": "Public",
        "mentor": "another-mentor@example.invalid",
        "date": 31,
        "time_zone": "UTC",
        "time": "09:00",
        "duration": "90",
        "recommended_for": "Head teachers",
        "categories": "Leadership",
        "medium": "English",
        "meeting_platform": "Zoom",
        "meeting_link": "https://zoom.us/j/1234567890",
        "meeting_passcode": "123456",
    },
    {
        "action": "Edit",
        "id": "0",
        "title": "Lesson planning (new title)",
        "description": (
            "Edit row: put the session's ID (0 is none). Filled cells replace its values; blank cells keep them."
        ),
        "time": "18:00",
    },
    {
        "action": "Delete",
        "id": "0",
        "description": "Delete row: put the session's ID; only Action and ID are read.",
    },
]


def sample_rows(today: date) -> list[dict[str, str]]:
    return [
        {
            key: (today + timedelta(days=value)).strftime("%d-%m-%Y") if isinstance(value, int) else value
            for key, value in row.items()
        }
        for row in SAMPLE_ROWS
    ]


def sample_csv(today: date) -> str:
    lines = [BOM + csv_line(columns.HEADER)]
    lines += [csv_line(row.get(column.key, "") for column in columns.COLUMNS) for row in sample_rows(today)]
    return "".join(lines)
