"""Bulk upload queries: one upload, and the viewer's upload history."""

from __future__ import annotations

import strawberry

from backend.bulk_upload import uploads
from backend.graphql.bulk_upload.types import BulkUpload, BulkUploadPage
from backend.graphql.context import Info
from backend.graphql.errors import BadArgument, require_id
from backend.graphql.permissions import signed_in
from backend.sessions.listing import ListError


@strawberry.type
class BulkUploadQueries:
    @strawberry.field(description="One of the viewer's uploads; null for anyone else's.")
    async def bulk_upload(self, info: Info, id: strawberry.ID) -> BulkUpload | None:
        found = await uploads.find_upload(signed_in(info), require_id(id, "Bulk upload ID"))
        return BulkUpload(model=found) if found else None

    @strawberry.field(description="The viewer's uploads, newest first.")
    async def bulk_uploads(self, info: Info, page: int = 1, page_size: int = 10) -> BulkUploadPage:
        try:
            return BulkUploadPage.from_domain(await uploads.upload_page(signed_in(info), page, page_size))
        except ListError as error:
            raise BadArgument(str(error)) from error
