"""The sample file: the header in the documented order and a few rows that explain themselves."""

from __future__ import annotations

from datetime import date, timedelta

from backend.bulk_upload import columns
from backend.csv_format import BOM, csv_line

# A row's date is given as a number of days after the day the sample is downloaded, so that the sample
# never describes a session in the past.
SAMPLE_ROWS: list[dict[str, str | int]] = [
    {
        "action": "Create",
        "title": "Lesson planning basics",
        "description": "Create row: leave ID empty. Mentees are optional for a Public session.",
        "type": "Public",
        "mentor": "mentor@example.org",
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
        "mentor": "mentor@example.org",
        "mentees": "mentee1@example.org, mentee2@example.org",
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
        "mentor": "mentor2@example.org",
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
        "id": "123",
        "title": "Lesson planning (new title)",
        "description": ("Edit row: the ID says which session. Filled cells replace its values; blank cells keep them."),
        "time": "18:00",
    },
    {"action": "Delete", "id": "124", "description": "Delete row: only Action and ID are read."},
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
