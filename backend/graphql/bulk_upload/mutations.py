"""The bulk upload mutation: read the file, hand it to the domain, shape the payload."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from backend.bulk_upload import uploads
from backend.graphql.bulk_upload.types import BulkUpload, BulkUploadPayload
from backend.graphql.context import Info
from backend.graphql.errors import read_upload, user_errors
from backend.graphql.permissions import signed_in
from backend.settings import get_settings


@strawberry.type
class BulkUploadMutations:
    @strawberry.mutation(
        description=(
            "Upload a CSV of Create, Edit and Delete rows (managers). The file is checked as a whole at once; "
            "its rows are then applied in the background (dryRun: checked only). Follow progress with bulkUpload(id)."
        )
    )
    async def bulk_upload_sessions(self, info: Info, file: Upload, dry_run: bool | None = False) -> BulkUploadPayload:
        viewer = signed_in(info)
        # One byte more than allowed is enough to know the file is too big.
        data = await read_upload(file, "file", get_settings().bulk_max_bytes + 1)
        upload, errors = await uploads.submit(viewer, getattr(file, "filename", None), data, bool(dry_run))
        return BulkUploadPayload(bulk_upload=BulkUpload(model=upload) if upload else None, errors=user_errors(errors))
