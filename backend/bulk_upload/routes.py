"""Downloads of the bulk upload: the sample file and an upload's result file."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from backend import auth
from backend.bulk_upload import results, sample, uploads
from backend.errors import parse_id
from backend.exports import not_signed_in
from backend.mail.notifications import result_filename
from backend.models import BulkUploadStatus, utcnow
from backend.settings import get_settings

CSV_TYPE = "text/csv; charset=utf-8"


def _attachment(filename: str) -> dict[str, str]:
    # Header values are Latin-1: an ASCII name for every browser, the real one (RFC 6266) for those that can.
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
    }


async def sample_csv(request: Request) -> Response:
    if await auth.request_user(request) is None:
        return not_signed_in()
    today = utcnow().astimezone(get_settings().display_time_zone).date()
    return Response(sample.sample_csv(today), media_type=CSV_TYPE, headers=_attachment("bulk-upload-sample.csv"))


async def result_csv(request: Request) -> Response:
    viewer = await auth.request_user(request)
    if viewer is None:
        return not_signed_in()
    upload_id = parse_id(request.path_params["id"])
    upload = await uploads.find_upload(viewer, upload_id) if upload_id else None
    if upload is None:
        return PlainTextResponse("No such bulk upload among yours; check the link in the upload history.", 404)
    if upload.pruned_at is not None:
        keep_days = get_settings().bulk_keep_days
        return PlainTextResponse(
            f"This upload's file and results were deleted {keep_days} days after it finished (BULK_KEEP_DAYS); "
            "its counts are still in the upload history.",
            410,
        )
    if upload.status == BulkUploadStatus.FAILED:
        return PlainTextResponse(f"This upload has no result file: {upload.message}", 404)
    if upload.status != BulkUploadStatus.COMPLETED:
        return PlainTextResponse(
            f"This upload is still running ({upload.processed_rows} of {upload.total_rows} rows done); "
            "the result file is ready when it finishes.",
            409,
        )
    return StreamingResponse(
        results.result_lines(upload), media_type=CSV_TYPE, headers=_attachment(result_filename(upload.filename))
    )


bulk_upload_routes = [
    Route("/bulk-upload/sample.csv", sample_csv, methods=["GET"]),
    Route("/bulk-uploads/{id}/result.csv", result_csv, methods=["GET"]),
]
