"""Session images: checked and re-encoded with Pillow (metadata stripped, size bounded), stored under
MEDIA_ROOT and served at /media/.

Pillow's work runs in a worker thread, one image at a time, so the event loop keeps serving others
while a photo is decoded; a picture over IMAGE_MAX_PIXELS is refused from its header, before it is
decoded, a JPEG is decoded at the smallest scale that still fills MAX_SIDE (a 24 MP photo then
takes a quarter of the memory), nothing copies a picture before it is shrunk, and the decode's memory is
given back to the system afterwards."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import io
import secrets
import threading
import warnings
from collections.abc import Callable

from PIL import Image, UnidentifiedImageError

from backend.errors import ErrorCode, Refused, UserError
from backend.models import Session
from backend.sessions import changes, writing
from backend.sessions.history import Origin
from backend.settings import IMAGE_MAX_BYTES, get_settings

MAX_BYTES = IMAGE_MAX_BYTES
MAX_SIDE = 1600
# One decode at a time (per process): each may hold up to IMAGE_MAX_PIXELS × 4 bytes while it runs.
_decoding = threading.Semaphore(1)
# MPO is a JPEG holding several pictures, as many phones save depth and burst photos; its first is kept.
FORMATS = {"JPEG": ("jpg", "JPEG"), "MPO": ("jpg", "JPEG"), "PNG": ("png", "PNG"), "WEBP": ("webp", "WEBP")}
REFUSED = "Choose a JPEG, PNG or WebP photo of at most 5 MB."


def _refuse(message: str) -> Refused:
    return Refused([UserError("image", ErrorCode.INVALID, message)])


def encode_image(data: bytes) -> tuple[bytes, str]:
    """The image re-encoded without metadata, and its file extension; `Refused` if it is not one."""
    if len(data) > MAX_BYTES:
        # Only the first 5 MB and a byte are read, so the file's real size is not known here.
        raise _refuse(f"The image is larger than the 5 MB limit. {REFUSED}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                if kind not in FORMATS:
                    raise _refuse(f"This file is a {kind or 'unknown'} image. {REFUSED}")
                max_pixels = get_settings().image_max_pixels
                if probe.width * probe.height > max_pixels:
                    size = f"{probe.width}×{probe.height} pixels ({_megapixels(probe.width * probe.height)})"
                    raise _refuse(
                        f"The image is {size}; the most we take is {_megapixels(max_pixels)}. "
                        f"Resize it, or {REFUSED[0].lower()}{REFUSED[1:]}"
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                # Shrunk in place (JPEG: decoded at a smaller scale already) before anything copies it, so
                # one full-size decode is the most a picture ever holds; turned upright once small.
                if opened.format in ("JPEG", "MPO"):
                    opened.draft("RGB", (MAX_SIDE, MAX_SIDE))
                opened.thumbnail((MAX_SIDE, MAX_SIDE))
                image = _upright(opened)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(f"This file is not an image we can read. {REFUSED}") from None
    extension, pillow_format = FORMATS[kind]
    if pillow_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # Pillow writes some of what it read back out (a JPEG comment, a PNG colour profile); keep only
    # the transparency, which is part of the picture, so the save carries no metadata.
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    image.save(
        out, pillow_format, **({"quality": 85, "optimize": True} if pillow_format != "PNG" else {"optimize": True})
    )
    return out.getvalue(), extension


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f} MP"


async def encode_image_in_worker(data: bytes) -> tuple[bytes, str]:
    """encode_image off the event loop, one image at a time."""

    def one_at_a_time() -> tuple[bytes, str]:
        with _decoding:
            try:
                return encode_image(data)
            finally:
                give_memory_back()

    return await asyncio.to_thread(one_at_a_time)


def _libc_malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: its allocator keeps what it keeps
        return None


_malloc_trim = _libc_malloc_trim()


def give_memory_back() -> None:
    """Return the freed decode buffers to the system. glibc keeps large blocks freed in a worker thread in
    that thread's heap (its mmap threshold rises after the first big free), so without this a process holds
    the ~100 MB of its largest decode for good."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _upright(image: Image.Image) -> Image.Image:
    """Apply the camera's EXIF rotation before the EXIF is dropped, so photos stay the right way up."""
    from PIL import ImageOps

    return ImageOps.exif_transpose(image) or image


def store_image(data: bytes, extension: str) -> str:
    """Saves the encoded image under MEDIA_ROOT; returns its path relative to /media/."""
    root = get_settings().media_root / "sessions"
    root.mkdir(parents=True, exist_ok=True)
    name = f"sessions/{secrets.token_urlsafe(12)}.{extension}"
    (get_settings().media_root / name).write_bytes(data)
    return name


def delete_image(path: str) -> None:
    if path:
        (get_settings().media_root / path).unlink(missing_ok=True)


async def set_session_image(
    origin: Origin, session_id: int, data: bytes, expected_version: int | None = None
) -> Session:
    """Stores the re-encoded image and points the session at it; the old file goes once that is saved."""
    encoded, extension = await encode_image_in_worker(data)
    path = store_image(encoded, extension)
    try:
        return await _replace_image(origin, session_id, path, expected_version)
    except BaseException:
        delete_image(path)
        raise


async def remove_session_image(origin: Origin, session_id: int, expected_version: int | None = None) -> Session:
    return await _replace_image(origin, session_id, "", expected_version)


async def _replace_image(origin: Origin, session_id: int, path: str, expected_version: int | None) -> Session:
    replaced: list[str] = []
    actor = origin.person

    async def remember(change: changes.Change) -> None:
        replaced.append(change.replaced_image)

    session = await writing.apply(
        lambda d: changes.plan_image(actor, session_id, path, d, expected_version=expected_version),
        origin,
        then=remember,
    )
    for old in replaced:
        delete_image(old)
    return session
