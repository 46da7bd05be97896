"""PUBLIC_URL: e-mails link into the app. The bulk upload's result mail links to the upload's result page
(the Bulk upload tab showing that upload) and to the result file, through the real job and real SMTP."""

from __future__ import annotations

import dataclasses

import pytest

from backend.mail.sender import deliver_pending
from backend.settings import load_settings, use_settings
from tests.support.bulk_upload import create, csv_bytes, people, upload_and_run
from tests.support.mail import html, plain

PUBLIC = "https://desk.example.test"


async def test_the_bulk_result_mail_links_to_the_result_page_and_file(graphql, db, smtp_server):
    use_settings(dataclasses.replace(db, public_url=PUBLIC))
    team = await people(graphql)
    result = await upload_and_run(graphql, csv_bytes([create(team.mentor)]), dry_run=True)

    await deliver_pending(smtp_server.use(dataclasses.replace(db, public_url=PUBLIC)))
    (message,) = [m for m in smtp_server.messages if m["To"] == team.manager.email]
    page = f"{PUBLIC}/workspace/sessions?tab=bulk&amp;upload={result['id']}"
    assert f'<a href="{page}">See every row in SessionDesk</a>' in html(message)
    assert f'<a href="{PUBLIC}/bulk-uploads/{result["id"]}/result.csv">sessions-result.csv</a>' in html(message)
    assert f"{PUBLIC}/workspace/sessions?tab=bulk&upload={result['id']}" in plain(message)


async def test_without_public_url_the_mail_names_the_page_by_its_path(graphql, db, smtp_server):
    team = await people(graphql)
    result = await upload_and_run(graphql, csv_bytes([create(team.mentor)]), dry_run=True)

    await deliver_pending(smtp_server.use(db))
    (message,) = [m for m in smtp_server.messages if m["To"] == team.manager.email]
    assert f"/workspace/sessions?tab=bulk&upload={result['id']}" in plain(message)


@pytest.mark.parametrize("value", ["desk.example.test", "ftp://desk.example.test", "https://desk.example.test/?x=1"])
def test_a_public_url_that_is_not_a_web_address_is_refused_at_start(value):
    with pytest.raises(SystemExit, match="PUBLIC_URL"):
        load_settings({"PUBLIC_URL": value})


def test_a_trailing_slash_is_dropped():
    assert load_settings({"PUBLIC_URL": "https://desk.example.test/"}).public_url == PUBLIC
