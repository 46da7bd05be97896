"""Input that must never reach the database raw: control characters, IDs beyond the 32-bit ID columns,
and dates out of range are answered with a clear refusal (or "not found"), never a driver error or a 500."""

from __future__ import annotations

import json

import pytest

from backend.errors import UnknownId, parse_id
from backend.models import Session
from tests.support.bulk_upload import UPLOAD, csv_bytes, messages_by_row, people, row, upload_and_run
from tests.support.bulk_upload import create as create_row
from tests.support.factories import make_session
from tests.support.session_requests import CREATE, INVITE, UPDATE, UPDATE_MEETING, a_desk, mutate, session_form

HUGE_IDS = ["2147483648", "99999999999", "123456789012345678901234567890"]
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { errors { field code message } } }"
FAR_DATES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59+00:00"]


async def manager_of_a_desk(graphql):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    return desk


def errors_of(payload: dict) -> list[tuple[str | None, str, str]]:
    return [(e["field"], e["code"], e["message"]) for e in payload["errors"]]


# --- control characters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Lesson\x00planning", "The title contains a NUL character; remove it and type the text again."),
        (
            "description",
            "Week one\x00",
            "The description contains a NUL character; remove it and type the text again; line breaks and tabs "
            "are fine there.",
        ),
        ("medium", "Hin\x1bdi", "The medium contains the control character U+001B; remove it and type the text again."),
        (
            "categories",
            ["Communication", "Life\x07skills"],
            "The category value contains the control character U+0007; remove it and type the text again.",
        ),
        ("title", "Two\nlines", "The title contains a line break; remove it and type the text again."),
        (
            "title",
            "Lesson \u202egninnalp",
            "The title contains the invisible character U+202E (RIGHT-TO-LEFT OVERRIDE); remove it and type the "
            "text again.",
        ),
        (
            "medium",
            "Eng\u200blish",
            "The medium contains the invisible character U+200B (ZERO WIDTH SPACE); remove it and type the text again.",
        ),
        (
            "title",
            "One\u2028two",
            "The title contains the invisible character U+2028 (LINE SEPARATOR); remove it and type the text again.",
        ),
        (
            "inviteEmails",
            ["asha\x00@example.test"],
            "The email address contains a NUL character; remove it and type the text again.",
        ),
    ],
)
async def test_a_text_field_with_a_control_character_is_refused_as_invalid(graphql, db, field, value, message):
    desk = await manager_of_a_desk(graphql)
    payload = await mutate(graphql, CREATE, input=session_form(desk.mentor, **{field: value}))
    assert errors_of(payload) == [(field, "INVALID", message)]
    assert await Session.all().count() == 0


async def test_joiners_that_hindi_and_emoji_need_are_welcome_in_a_title(graphql, db):
    desk = await manager_of_a_desk(graphql)
    title = "क्‍ष planning 👩‍🏫"  # a zero-width joiner in each
    payload = await mutate(graphql, CREATE, input=session_form(desk.mentor, title=title))
    assert payload["errors"] == []


async def test_line_breaks_and_tabs_are_welcome_in_a_description(graphql, db):
    desk = await manager_of_a_desk(graphql)
    text = "Week one:\r\n\tplanning\nWeek two: practice"
    payload = await mutate(graphql, CREATE, input=session_form(desk.mentor, description=text))
    assert payload["errors"] == []
    assert (await Session.get(id=payload["session"]["id"])).description == text.strip()


async def test_editing_a_session_or_its_meeting_refuses_control_characters_too(graphql, db):
    desk = await manager_of_a_desk(graphql)
    session = await make_session(desk.org, desk.mentor)
    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"title": "New\x00title"})
    assert errors_of(payload) == [
        ("title", "INVALID", "The title contains a NUL character; remove it and type the text again.")
    ]
    payload = await mutate(
        graphql,
        UPDATE_MEETING,
        id=str(session.id),
        input={"platform": "ZOOM", "link": "https://zoom.us/j/1\x00", "passcode": "12\x0834"},
    )
    assert errors_of(payload) == [
        ("link", "INVALID", "The meeting link contains a NUL character; remove it and type the text again."),
        (
            "passcode",
            "INVALID",
            "The passcode contains the control character U+0008; remove it and type the text again.",
        ),
    ]
    assert (await Session.get(id=session.id)).title == session.title


@pytest.mark.parametrize(
    ("query", "variables", "name"),
    [
        ("query($s: String) { sessions(search: $s) { totalCount } }", {"s": "plan\x00"}, "search"),
        ("query($s: String) { sessionFacets(search: $s) { mediums { value } } }", {"s": "\x00"}, "search"),
        (
            "query($f: SessionFilter) { sessions(filter: $f) { totalCount } }",
            {"f": {"mediums": ["Hindi\x00"]}},
            "mediums value",
        ),
        (
            "query($f: SessionFilter) { sessions(filter: $f) { totalCount } }",
            {"f": {"categories": ["\x01"]}},
            "categories value",
        ),
        ("query($s: String) { findMentees(search: $s) { id } }", {"s": "a\x00"}, "search"),
    ],
)
async def test_a_search_or_filter_with_a_control_character_is_a_clear_graphql_error(
    graphql, db, query, variables, name
):
    await manager_of_a_desk(graphql)
    body = await graphql.post(query, variables)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(f"The {name} contains ")


async def test_a_download_searching_for_a_control_character_answers_400(graphql, db):
    await manager_of_a_desk(graphql)
    response = await graphql.http.get("/exports/sessions.csv?search=a%00b", headers=graphql.headers)
    assert response.status_code == 400
    assert response.text == "The search contains a NUL character; remove it and type the text again."
    response = await graphql.http.get("/exports/sessions.csv?mediums=%1B", headers=graphql.headers)
    assert response.status_code == 400 and "U+001B" in response.text


async def test_a_bulk_upload_row_with_a_control_character_is_an_invalid_row(graphql, db):
    found = await people(graphql)
    data = csv_bytes([create_row(found.mentor, title="Bell\x07 ringing"), create_row(found.mentor, days_ahead=12)])
    result = await upload_and_run(graphql, data)
    assert (result["validRows"], result["invalidRows"]) == (1, 1)
    assert "The title contains the control character U+0007" in messages_by_row(result)[2]
    assert await Session.all().count() == 1


# --- IDs beyond 32 bits ------------------------------------------------------------------------------


def test_an_id_beyond_32_bits_is_well_formed_but_names_nothing():
    assert parse_id("2147483647") == 2147483647
    unknown = parse_id("2147483648")
    assert isinstance(unknown, UnknownId) and unknown == 0 and str(unknown) == f"{unknown}" == "2147483648"
    assert parse_id("0") is None and parse_id("-5") is None and parse_id("²") is None and parse_id("1e3") is None


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_queries_answer_null_or_nothing_for_an_id_beyond_32_bits(graphql, db, huge):
    desk = await manager_of_a_desk(graphql)
    await make_session(desk.org, desk.mentor)
    data = await graphql.execute(
        """query($id: ID!) {
          session(id: $id) { id }
          mentor(id: $id) { id }
          bulkUpload(id: $id) { id }
          sessions(filter: {mentorIds: [$id]}) { totalCount }
        }""",
        {"id": huge},
    )
    assert data == {"session": None, "mentor": None, "bulkUpload": None, "sessions": {"totalCount": 0}}


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_mutations_answer_not_found_for_an_id_beyond_32_bits(graphql, db, huge):
    desk = await manager_of_a_desk(graphql)
    payload = await mutate(graphql, UPDATE, id=huge, input={"title": "New title"})
    assert errors_of(payload) == [
        (
            "id",
            "NOT_FOUND",
            f"There is no session with ID {huge} in your organisation; check the ID in the session list.",
        )
    ]
    payload = await mutate(graphql, CREATE, input=session_form(desk.mentor, mentorId=huge))
    assert [(field, code) for field, code, _ in errors_of(payload)] == [("mentorId", "NOT_FOUND")]
    assert huge in payload["errors"][0]["message"]
    for mutation in ("startSession", "deleteSession", "enrollInSession"):
        body = await graphql.post(f'mutation {{ {mutation}(id: "{huge}") {{ errors {{ code }} }} }}')
        assert body["data"][mutation]["errors"] == [{"code": "NOT_FOUND"}], body


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_downloads_answer_404_for_an_id_beyond_32_bits(graphql, db, huge):
    await manager_of_a_desk(graphql)
    for path in (f"/exports/sessions/{huge}/mentees.csv", f"/bulk-uploads/{huge}/result.csv"):
        response = await graphql.http.get(path, headers=graphql.headers)
        assert response.status_code == 404, path
    response = await graphql.http.get(f"/exports/sessions.csv?mentorIds={huge}", headers=graphql.headers)
    assert response.status_code == 200 and response.text.count("\r\n") == 1  # the header alone


async def test_a_bulk_row_editing_an_id_beyond_32_bits_is_not_found(graphql, db):
    await people(graphql)
    result = await upload_and_run(graphql, csv_bytes([row(action="Edit", id="99999999999", title="New title")]))
    assert result["invalidRows"] == 1
    assert "99999999999" in messages_by_row(result)[2]
    assert result["rows"][0]["sessionId"] is None


# --- dates out of range ------------------------------------------------------------------------------


@pytest.mark.parametrize("far", FAR_DATES)
async def test_a_filter_date_out_of_range_is_a_clear_graphql_error(graphql, db, far):
    await manager_of_a_desk(graphql)
    for query in (
        "query($f: SessionFilter) { sessions(filter: $f) { totalCount } }",
        "query($f: SessionFilter) { sessionFacets(filter: $f) { mediums { value } } }",
    ):
        body = await graphql.post(query, {"f": {"startsFrom": far}})
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"] == (
            f"startsFrom: {far} is outside the dates SessionDesk handles; give a date between the years 1900 and 9998."
        )


@pytest.mark.parametrize("far", FAR_DATES)
async def test_a_download_date_out_of_range_answers_400(graphql, db, far):
    await manager_of_a_desk(graphql)
    for params in ({"startsTo": far}, {"startsTo": far, "format": "bulk"}):
        response = await graphql.http.get("/exports/sessions.csv", params=params, headers=graphql.headers)
        assert response.status_code == 400
        assert response.text.startswith("startsTo: ") and "outside the dates SessionDesk handles" in response.text


@pytest.mark.parametrize("far", FAR_DATES)
async def test_a_session_starting_out_of_range_is_refused_as_invalid(graphql, db, far):
    desk = await manager_of_a_desk(graphql)
    payload = await mutate(graphql, CREATE, input=session_form(desk.mentor, startsAt=far))
    [(field, code, message)] = errors_of(payload)
    assert (field, code) == ("startsAt", "INVALID") or (field, code) == ("startsAt", "IN_PAST")
    if far.startswith("9999"):
        assert (code, message) == (
            "INVALID",
            f"The start {far} is outside the dates SessionDesk handles; give a date between the years 1900 and 9998.",
        )
    session = await make_session(desk.org, desk.mentor)
    payload = await mutate(graphql, UPDATE, id=str(session.id), input={"startsAt": far})
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]


@pytest.mark.parametrize("date", ["31-12-9999", "01-01-0001"])
async def test_a_bulk_row_dated_out_of_range_is_an_invalid_row(graphql, db, date):
    found = await people(graphql)
    result = await upload_and_run(graphql, csv_bytes([create_row(found.mentor, date=date, time="23:59")]))
    assert result["invalidRows"] == 1
    assert "outside the dates SessionDesk handles" in messages_by_row(result)[2]


async def test_vocabulary_values_with_a_control_character_are_refused(graphql, db):
    await manager_of_a_desk(graphql)
    for document, variables, field in (
        (
            "mutation($v: String!) { addVocabularyValue(kind: CATEGORY, value: $v) { errors { field code message } } }",
            {"v": "Life\x00skills"},
            "value",
        ),
        (
            'mutation($v: String!) { renameVocabularyValue(kind: CATEGORY, from: "Communication", to: $v) '
            "{ errors { field code message } } }",
            {"v": "Talk\x1bing"},
            "to",
        ),
    ):
        payload = await mutate(graphql, document, **variables)
        [error] = payload["errors"]
        assert (error["field"], error["code"]) == (field, "INVALID")
        assert error["message"].startswith("The category contains ")


async def test_an_uploaded_file_name_loses_its_control_characters(graphql, db):
    """Built by hand: HTTP clients escape such names, a hostile one need not."""
    found = await people(graphql)
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    parts = [
        b'Content-Disposition: form-data; name="operations"\r\n\r\n' + operations.encode(),
        b'Content-Disposition: form-data; name="map"\r\n\r\n{"0": ["variables.file"]}',
        b'Content-Disposition: form-data; name="0"; filename="a\x07b\x1b.csv"\r\nContent-Type: text/csv\r\n\r\n'
        + csv_bytes([create_row(found.mentor)]),
    ]
    body = b"".join(b"--XyZ\r\n" + part + b"\r\n" for part in parts) + b"--XyZ--\r\n"
    response = await graphql.http.post(
        "/graphql",
        content=body,
        headers={**graphql.headers, "Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    payload = response.json()["data"]["bulkUploadSessions"]
    assert payload["errors"] == [] and payload["bulkUpload"]["fileName"] == "ab.csv"


def test_every_unicode_control_character_and_surrogate_is_found_and_nothing_else():
    import unicodedata

    from backend.inputs import first_control_character

    for code_point in range(0x110000):
        character = chr(code_point)
        control = unicodedata.category(character) in ("Cc", "Cs")
        invisible = unicodedata.category(character) in ("Cf", "Zl", "Zp") and character not in "\u200c\u200d"
        assert first_control_character(f"ab{character}") == (character if control or invisible else None)
        allowed_in_a_description = character in "\n\r\t"
        found = first_control_character(character, multi_line=True)
        assert found == (character if control and not allowed_in_a_description else None)


# --- text longer than its column -----------------------------------------------------------------------


async def test_a_sign_in_with_a_megabyte_e_mail_is_refused_as_invalid_without_a_long_log(graphql, db, caplog):
    payload = await mutate(graphql, LOGIN, e="e" * 1_000_000 + "@example.test", p="whatever")
    assert errors_of(payload) == [("email", "INVALID", "The email address has 1,000,013 characters; at most 254 fit.")]
    assert sum(len(record.getMessage()) for record in caplog.records) < 10_000


async def test_a_meeting_link_or_passcode_too_long_for_its_column_is_refused_and_the_passcode_not_logged(
    graphql, db, caplog
):
    desk = await manager_of_a_desk(graphql)
    session = await make_session(desk.org, desk.mentor)
    long_link = {"platform": "ZOOM", "link": "https://zoom.us/j/" + "1" * 500, "passcode": "9"}
    payload = await mutate(graphql, UPDATE_MEETING, id=str(session.id), input=long_link)
    assert errors_of(payload) == [("link", "INVALID", "The meeting link has 518 characters; at most 500 fit.")]
    secret = "s3cret-" * 20
    long_passcode = {"platform": "ZOOM", "link": "https://zoom.us/j/1", "passcode": secret}
    payload = await mutate(graphql, UPDATE_MEETING, id=str(session.id), input=long_passcode)
    assert errors_of(payload) == [("passcode", "INVALID", "The passcode has 140 characters; at most 100 fit.")]
    payload = await mutate(graphql, CREATE, input=session_form(desk.mentor, meeting=long_passcode))
    assert errors_of(payload) == [("meeting.passcode", "INVALID", "The passcode has 140 characters; at most 100 fit.")]
    assert "s3cret" not in caplog.text
    assert (await Session.get(id=session.id)).meeting_passcode == session.meeting_passcode


@pytest.mark.parametrize("document", ["invite", "create", "update"])
async def test_an_invited_e_mail_longer_than_any_address_is_refused_as_invalid(graphql, db, document):
    desk = await manager_of_a_desk(graphql)
    session = await make_session(desk.org, desk.mentor)
    email = "x" * 250 + "@example.test"
    if document == "invite":
        payload = await mutate(graphql, INVITE, sessionId=str(session.id), emails=[email])
    elif document == "create":
        payload = await mutate(graphql, CREATE, input=session_form(desk.mentor, inviteEmails=[email]))
    else:
        payload = await mutate(graphql, UPDATE, id=str(session.id), input={"inviteEmails": [email]})
    [(field, code, message)] = errors_of(payload)
    assert code == "INVALID" and message.startswith("The email address has 263 characters; at most 254 fit.")


async def test_renaming_or_removing_a_value_longer_than_any_in_the_list_is_not_found(graphql, db):
    await manager_of_a_desk(graphql)
    rename = 'mutation($v: String!) { renameVocabularyValue(kind: CATEGORY, from: $v, to: "x") { errors { code } } }'
    remove = "mutation($v: String!) { removeVocabularyValue(kind: CATEGORY, value: $v) { errors { code } } }"
    for document in (rename, remove):
        payload = await mutate(graphql, document, v="c" * 3000)
        assert payload["errors"] == [{"code": "NOT_FOUND"}]
