"""Session images through a real GraphQL multipart request (operations, map and file parts): which
files are taken, what is kept of them, where they are served, and who may change them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from backend.models import Session, SessionStatus, utcnow
from backend.sessions.images import MAX_SIDE
from tests.support.factories import make_session
from tests.support.graphql_client import GraphQLClient
from tests.support.session_requests import DETAILS, a_desk, messages, mutate, refusals

SET_IMAGE = """
mutation($sessionId: ID!, $image: Upload!) {
  setSessionImage(sessionId: $sessionId, image: $image) { session { id imageUrl } errors { field code message } }
}"""
REMOVE_IMAGE = """
mutation($sessionId: ID!) {
  removeSessionImage(sessionId: $sessionId) { session { id imageUrl } errors { field code message } }
}"""
REFUSED_HINT = "Choose a JPEG, PNG or WebP photo of at most 5 MB."


def photo(kind: str = "JPEG", size: tuple[int, int] = (120, 80), **save) -> bytes:
    image = Image.new("RGB", size, (200, 60, 40))
    out = io.BytesIO()
    image.save(out, kind, **save)
    return out.getvalue()


def padded_to(size: int) -> bytes:
    """A real PNG with random bytes after its end, `size` bytes in all."""
    picture = photo("PNG", size=(1000, 1000), compress_level=0)
    return picture + os.urandom(size - len(picture))


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[0x0112] = orientation
    return exif


async def upload(http, session_id, content: bytes, filename: str, content_type: str, headers: dict) -> dict:
    """setSessionImage as the GraphQL multipart request spec sends it."""
    operations = {"query": SET_IMAGE, "variables": {"sessionId": str(session_id), "image": None}}
    response = await http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.image"]})},
        files={"0": (filename, content, content_type)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["setSessionImage"]


def stored_file(db, image_url: str):
    assert image_url.startswith("/media/sessions/")
    return db.media_root / image_url.removeprefix("/media/")


def media_files(db) -> set[str]:
    folder = db.media_root / "sessions"
    return set(os.listdir(folder)) if folder.exists() else set()


@pytest.fixture
async def desk(graphql, db):
    desk = await a_desk()
    desk.session = await make_session(desk.org, desk.mentor)
    await graphql.login(desk.manager.email)
    return desk


async def test_a_jpeg_photo_is_stored_without_its_camera_metadata_and_served_under_media(http, graphql, db, desk):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description GPSLatitude="12.97"/></rdf:RDF></x:xmpmeta>'
    original = photo("JPEG", exif=camera_exif(), icc_profile=icc, xmp=xmp, comment=b"Taken at home, 12 Park Road")
    assert Image.open(io.BytesIO(original)).getexif()  # the upload does carry EXIF

    payload = await upload(http, desk.session.id, original, "holiday.jpg", "image/jpeg", graphql.headers)

    assert payload["errors"] == []
    url = payload["session"]["imageUrl"]
    assert url.endswith(".jpg")
    kept = stored_file(db, url).read_bytes()
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
    assert b"SecretCam" not in kept and b"GPSLatitude" not in kept and b"Park Road" not in kept
    served = await http.get(url)
    assert (served.status_code, served.headers["content-type"], served.content) == (200, "image/jpeg", kept)
    assert (await mutate(graphql, DETAILS, id=str(desk.session.id)))["imageUrl"] == url


async def test_a_big_photo_is_scaled_down_and_a_sideways_one_turned_upright(http, graphql, db, desk):
    sideways = photo("JPEG", size=(3200, 2000), exif=camera_exif(orientation=6))  # the camera was held on its side

    payload = await upload(http, desk.session.id, sideways, "big.jpg", "image/jpeg", graphql.headers)

    image = Image.open(stored_file(db, payload["session"]["imageUrl"]))
    assert image.size == (1000, MAX_SIDE)


async def test_a_png_is_taken_and_its_text_and_colour_profile_chunks_are_dropped(http, graphql, db, desk):
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Author", "Secret Person")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    payload = await upload(
        http, desk.session.id, photo("PNG", pnginfo=chunks, icc_profile=icc), "chart.png", "image/png", graphql.headers
    )

    assert payload["errors"] == []
    kept = stored_file(db, payload["session"]["imageUrl"]).read_bytes()
    image = Image.open(io.BytesIO(kept))
    assert (image.format, payload["session"]["imageUrl"][-4:]) == ("PNG", ".png")
    assert b"Secret Person" not in kept
    assert "icc_profile" not in image.info


async def test_a_webp_image_is_taken_without_its_exif(http, graphql, db, desk):
    payload = await upload(
        http, desk.session.id, photo("WEBP", exif=camera_exif()), "photo.webp", "image/webp", graphql.headers
    )

    assert payload["errors"] == []
    kept = stored_file(db, payload["session"]["imageUrl"]).read_bytes()
    assert Image.open(io.BytesIO(kept)).format == "WEBP"
    assert b"SecretCam" not in kept


async def test_a_phone_photo_holding_several_pictures_is_taken_as_a_jpeg(http, graphql, db, desk):
    # Many phones save depth or burst photos as a multi-picture JPEG (MPO) with a .jpg name.
    first, second = Image.new("RGB", (60, 40), (10, 90, 10)), Image.new("RGB", (60, 40), (0, 0, 0))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second], exif=camera_exif())

    payload = await upload(http, desk.session.id, out.getvalue(), "portrait.jpg", "image/jpeg", graphql.headers)

    assert payload["errors"] == []
    kept = stored_file(db, payload["session"]["imageUrl"]).read_bytes()
    assert Image.open(io.BytesIO(kept)).format == "JPEG"
    assert b"SecretCam" not in kept


REFUSED_FILES = [
    ("a GIF", lambda: photo("GIF"), "animation.gif", "image/gif", f"This file is a GIF image. {REFUSED_HINT}"),
    ("a text file named .png", lambda: b"just some notes, not a picture\n" * 10, "notes.png", "image/png",
     f"This file is not an image we can read. {REFUSED_HINT}"),
    ("a truncated JPEG", lambda: photo("JPEG", size=(400, 300))[:600], "cut.jpg", "image/jpeg",
     f"This file is not an image we can read. {REFUSED_HINT}"),
    ("a file just over 5 MB", lambda: padded_to(5 * 1024 * 1024 + 1000), "huge.png",
     "image/png", f"The image is larger than the 5 MB limit. {REFUSED_HINT}"),
]  # fmt: skip


@pytest.mark.parametrize("case,content,filename,content_type,message", REFUSED_FILES, ids=[c[0] for c in REFUSED_FILES])
async def test_files_that_are_not_an_accepted_photo_are_refused_with_a_clear_message(
    http, graphql, db, desk, case, content, filename, content_type, message
):
    before = media_files(db)

    payload = await upload(http, desk.session.id, content(), filename, content_type, graphql.headers)

    assert payload == {"session": None, "errors": [{"field": "image", "code": "INVALID", "message": message}]}
    assert media_files(db) == before
    assert (await Session.get(id=desk.session.id)).image_path == ""


async def test_a_file_far_over_the_limit_is_refused_before_it_is_read(http, graphql, db, desk):
    before = media_files(db)
    operations = {"query": SET_IMAGE, "variables": {"sessionId": str(desk.session.id), "image": None}}
    response = await http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.image"]})},
        files={"0": ("huge.png", padded_to(6 * 1024 * 1024), "image/png")},
        headers=graphql.headers,
    )

    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert error["message"] == (
        "The largest body a file upload may have is 5.1 MB (5,308,416 bytes). "
        f"This request is {int(response.request.headers['content-length']):,} bytes; choose a smaller file."
    )
    assert media_files(db) == before


async def test_a_new_image_replaces_the_old_one_and_its_file_is_deleted(http, graphql, db, desk):
    first = await upload(http, desk.session.id, photo("JPEG"), "one.jpg", "image/jpeg", graphql.headers)
    old_file = stored_file(db, first["session"]["imageUrl"])

    second = await upload(http, desk.session.id, photo("PNG"), "two.png", "image/png", graphql.headers)

    assert second["session"]["imageUrl"] != first["session"]["imageUrl"]
    assert not old_file.exists()
    assert stored_file(db, second["session"]["imageUrl"]).exists()
    assert (await http.get(first["session"]["imageUrl"])).status_code == 404


async def test_removing_the_image_deletes_its_file(http, graphql, db, desk):
    uploaded = await upload(http, desk.session.id, photo("JPEG"), "one.jpg", "image/jpeg", graphql.headers)
    file = stored_file(db, uploaded["session"]["imageUrl"])

    payload = await mutate(graphql, REMOVE_IMAGE, sessionId=str(desk.session.id))

    assert payload == {"session": {"id": str(desk.session.id), "imageUrl": None}, "errors": []}
    assert not file.exists()
    assert (await http.get(uploaded["session"]["imageUrl"])).status_code == 404


async def test_a_browser_upload_signed_in_by_cookie_needs_the_x_requested_with_header(http, graphql, db, desk):
    cookie_only = {}  # the jar holds the sign-in cookie from login; no bearer token is sent
    operations = {"query": SET_IMAGE, "variables": {"sessionId": str(desk.session.id), "image": None}}
    form = {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.image"]})}
    assert http.cookies

    forged = await http.post(
        "/graphql", data=form, files={"0": ("a.jpg", photo("JPEG"), "image/jpeg")}, headers=cookie_only
    )
    from_the_app = await upload(
        http, desk.session.id, photo("JPEG"), "a.jpg", "image/jpeg", {"X-Requested-With": "fetch"}
    )

    assert forged.status_code == 403
    assert forged.json()["errors"][0]["extensions"]["code"] == "CSRF"
    assert "X-Requested-With" in forged.json()["errors"][0]["message"]
    assert from_the_app["errors"] == []


async def test_an_api_client_with_a_bearer_token_needs_no_extra_header(http, graphql, db, desk):
    http.cookies.clear()

    payload = await upload(http, desk.session.id, photo("JPEG"), "a.jpg", "image/jpeg", graphql.headers)

    assert payload["errors"] == []


async def test_only_managers_change_images_and_a_refused_upload_leaves_no_file(http, graphql, db, desk):
    http.cookies.clear()  # the manager's sign-in cookie; the mentor signs in by bearer token
    mentor = await GraphQLClient(http).login(desk.mentor.email)
    before = media_files(db)

    payload = await upload(http, desk.session.id, photo("JPEG"), "a.jpg", "image/jpeg", mentor.headers)
    removed = await mutate(mentor, REMOVE_IMAGE, sessionId=str(desk.session.id))

    assert refusals(payload) == refusals(removed) == {(None, "PERMISSION_DENIED")}
    assert media_files(db) == before


async def test_the_image_of_a_started_session_cannot_be_changed(http, graphql, db, desk):
    live = await make_session(
        desk.org, desk.other_mentor, status=SessionStatus.LIVE, starts_at=utcnow() - timedelta(minutes=5)
    )
    before = media_files(db)

    payload = await upload(http, live.id, photo("JPEG"), "a.jpg", "image/jpeg", graphql.headers)

    assert refusals(payload) == {(None, "NOT_EDITABLE")}
    assert "started" in messages(payload)
    assert media_files(db) == before


async def test_another_organisations_session_image_is_not_found(http, graphql, db, desk):
    elsewhere = await a_desk()
    theirs = await make_session(elsewhere.org, elsewhere.mentor)

    payload = await upload(http, theirs.id, photo("JPEG"), "a.jpg", "image/jpeg", graphql.headers)
    removed = await mutate(graphql, REMOVE_IMAGE, sessionId=str(theirs.id))

    assert refusals(payload) == refusals(removed) == {("id", "NOT_FOUND")}


def bomb_png(side: int = 6300) -> bytes:
    """A picture of side × side pixels that packs into a small file (one colour compresses well)."""
    out = io.BytesIO()
    Image.new("L", (side, side), 128).save(out, "PNG", optimize=False, compress_level=9)
    return out.getvalue()


async def test_a_picture_of_too_many_pixels_is_refused_from_its_header(http, graphql, db, desk):
    content = bomb_png()
    assert len(content) < 200_000

    payload = await upload(http, desk.session.id, content, "bomb.png", "image/png", graphql.headers)

    assert payload["errors"] == [
        {
            "field": "image",
            "code": "INVALID",
            "message": "The image is 6300×6300 pixels (39.7 MP); the most we take is 25.0 MP. "
            "Resize it, or choose a JPEG, PNG or WebP photo of at most 5 MB.",
        }
    ]


async def test_a_24_megapixel_phone_photo_is_taken_and_scaled_down(http, graphql, db, desk):
    # The size of a 24 MP photo of a current phone (5712×4284).
    picture = Image.radial_gradient("L").resize((5712, 4284)).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=70)
    assert len(out.getvalue()) < 5 * 1024 * 1024

    payload = await upload(http, desk.session.id, out.getvalue(), "IMG_0001.jpg", "image/jpeg", graphql.headers)

    assert payload["errors"] == []
    with Image.open(stored_file(db, payload["session"]["imageUrl"])) as stored:
        assert max(stored.size) == MAX_SIDE


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_25_mp_photo_is_decoded_in_one_full_size_buffer_at_most_and_its_memory_given_back(tmp_path, kind):
    width, height = 6000, 4166  # 25 MP
    picture = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    path = tmp_path / f"photo.{kind.lower()}"
    picture.save(path, kind)
    del picture
    measured = subprocess.run(
        [sys.executable, "-m", "tests.support.image_memory", str(path)],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    memory = json.loads(measured.stdout)
    decoded = width * height * 4 / 2**20  # one buffer of the whole picture (Pillow keeps RGB as RGBX): 95 MB
    assert memory["peak"] - memory["before"] < 1.5 * decoded, memory  # no second full-size copy
    assert memory["after"] - memory["before"] < 0.25 * decoded, memory  # given back, not kept by the process
