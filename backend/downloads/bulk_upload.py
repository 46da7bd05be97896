"""Downloads of the bulk upload: the sample file and an upload's result file."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.bulk_upload import results, sample, uploads
from backend.downloads.http import CSV_TYPE, attachment, csv_download, not_signed_in, signed_in
from backend.errors import parse_id
from backend.mail.notifications import result_filename
from backend.models import BulkUploadStatus, utcnow
from backend.sessions.visibility import BULK_FILES_FOR_MANAGERS, may_use_bulk_files
from backend.settings import get_settings


async def sample_csv(request: Request) -> Response:
    viewer = await signed_in(request)
    if viewer is None:
        return not_signed_in()
    if not may_use_bulk_files(viewer):
        return PlainTextResponse(BULK_FILES_FOR_MANAGERS, 403)
    today = utcnow().astimezone(get_settings().display_time_zone).date()
    return Response(sample.sample_csv(today), media_type=CSV_TYPE, headers=attachment("bulk-upload-sample.csv"))


async def result_csv(request: Request) -> Response:
    viewer = await signed_in(request)
    if viewer is None:
        return not_signed_in()
    if not may_use_bulk_files(viewer):
        return PlainTextResponse(BULK_FILES_FOR_MANAGERS, 403)
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
    return csv_download(results.result_lines(upload), result_filename(upload.filename))


routes = [
    Route("/bulk-upload/sample.csv", sample_csv, methods=["GET"]),
    Route("/bulk-uploads/{id}/result.csv", result_csv, methods=["GET"]),
]
