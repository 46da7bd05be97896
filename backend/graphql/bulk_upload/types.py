"""GraphQL types of a bulk upload, its row results and the upload history."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend import models
from backend.bulk_upload import results, uploads
from backend.bulk_upload.parse import FILE_MESSAGE_MAX
from backend.bulk_upload.rows import ROW_MESSAGE_MAX
from backend.graphql.errors import BadArgument, UserError
from backend.sessions import trash
from backend.sessions.listing import ListError
from backend.sessions.rules import bounded

strawberry.enum(
    models.BulkUploadStatus,
    description="PENDING → RUNNING → COMPLETED; FAILED: the file as a whole was refused (message says why).",
)
BulkUploadStatus = models.BulkUploadStatus
strawberry.enum(models.BulkRowStatus, description="VALID: applied (or, in a dry run, would be).")
BulkRowStatus = models.BulkRowStatus


@strawberry.type(description="The outcome of one row of the file.")
class BulkUploadRow:
    row_number: int = strawberry.field(description="As a spreadsheet numbers it: the header is row 1.")
    action: str
    session_id: strawberry.ID | None = strawberry.field(description="The session the row changed, or created.")
    status: BulkRowStatus
    message: str = strawberry.field(
        description='Every problem of an invalid row, each after its column, separated by "; ".'
    )

    @classmethod
    def from_model(cls, row: models.BulkUploadRow) -> BulkUploadRow:
        return cls(
            row_number=row.row_number,
            action=row.action,
            session_id=strawberry.ID(str(row.session_id)) if row.session_id else None,
            status=row.status,
            # Capped when returned as well as when stored: rows stored before the caps existed stay readable.
            message=bounded(row.message, ROW_MESSAGE_MAX),
        )


@strawberry.type
class BulkUpload:
    model: strawberry.Private[models.BulkUpload]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def status(self) -> BulkUploadStatus:
        return self.model.status

    @strawberry.field(description="Why the upload failed; null otherwise.")
    def message(self) -> str | None:
        return bounded(self.model.message, FILE_MESSAGE_MAX) if self.model.message else None

    @strawberry.field
    def file_name(self) -> str:
        return self.model.filename

    @strawberry.field(description="A dry run checks every row and changes nothing.")
    def dry_run(self) -> bool:
        return self.model.dry_run

    @strawberry.field
    def total_rows(self) -> int:
        return self.model.total_rows

    @strawberry.field
    def processed_rows(self) -> int:
        return self.model.processed_rows

    @strawberry.field
    def valid_rows(self) -> int:
        return self.model.valid_rows

    @strawberry.field
    def invalid_rows(self) -> int:
        return self.model.invalid_rows

    @strawberry.field(
        description="The result file, once the upload is completed; none once it was pruned (BULK_KEEP_DAYS)."
    )
    def result_csv_url(self) -> str | None:
        return results.result_url(self.model)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def started_at(self) -> datetime | None:
        return self.model.started_at

    @strawberry.field
    def finished_at(self) -> datetime | None:
        return self.model.finished_at

    @strawberry.field(
        description="How many sessions this upload's Delete rows deleted that are deleted still: what "
        "restoreBulkUploadDeletions would try to bring back."
    )
    async def deleted_sessions_to_restore(self) -> int:
        return await trash.still_deleted(self.model)

    @strawberry.field(description="Row results in file order; onlyInvalid keeps the rows that need fixing.")
    async def rows(self, page: int = 1, page_size: int = 50, only_invalid: bool = False) -> list[BulkUploadRow]:
        try:
            found = await uploads.result_rows(self.model, page, page_size, only_invalid)
        except ListError as error:
            raise BadArgument(str(error)) from error
        return [BulkUploadRow.from_model(row) for row in found]


@strawberry.type
class BulkUploadPayload:
    bulk_upload: BulkUpload | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The viewer's uploads, newest first.")
class BulkUploadPage:
    items: list[BulkUpload]
    total_count: int
    page: int
    page_size: int

    def _pages(self) -> int:
        return max(1, -(-self.total_count // self.page_size))

    @strawberry.field
    def total_pages(self) -> int:
        return self._pages()

    @strawberry.field
    def has_next_page(self) -> bool:
        return self.page < self._pages()

    @strawberry.field
    def has_previous_page(self) -> bool:
        return self.page > 1

    @classmethod
    def from_domain(cls, page: uploads.UploadPage) -> BulkUploadPage:
        return cls(
            items=[BulkUpload(model=u) for u in page.items],
            total_count=page.total_count,
            page=page.page,
            page_size=page.page_size,
        )
