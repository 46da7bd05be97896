"""Every file the app hands out: the session list and a session's mentees (`sessions.py`), the bulk-edit
export (`bulk_edit.py`), the bulk upload sample and result files (`bulk_upload.py`), the history of
changes (`activity.py`); `http.py` is how each
finds the signed-in person and answers with an attachment."""

from backend.downloads import activity, bulk_upload, sessions

routes = [*sessions.routes, *bulk_upload.routes, *activity.routes]
