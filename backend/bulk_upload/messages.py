"""Every message the bulk upload itself writes, file-level and row-level, in one place.

docs/bulk-upload.md explains each one (cause and fix), together with the messages of the session rules
that a row can get; tests/test_bulk_upload_docs.py fails when a message here or in the rules is not
explained there. Placeholders in braces are filled with `str.format`.
"""

# --- the file as a whole (the upload is refused, status FAILED) ------------------------------------

FILE_TOO_LARGE = "The file is larger than {limit}. Split it into smaller files and upload each one."
FILE_EMPTY = "The file is empty. Download the sample CSV, fill in one row per session and upload it."
FILE_SPREADSHEET = (
    "This is an Excel workbook, not a CSV file. In Excel choose File › Save As › “CSV UTF-8 (Comma delimited)” "
    "and upload that file."
)
FILE_UTF16 = (
    "The file is saved as UTF-16 (“Unicode Text”), which is not read here. Save it as CSV UTF-8 "
    "(in Excel: File › Save As › “CSV UTF-8 (Comma delimited)”) and upload it again."
)
FILE_BINARY = "This is not a CSV text file: it holds binary data. Save your sheet as CSV UTF-8 and upload that file."
FILE_NOT_UTF8 = (
    "The file is not saved as UTF-8: line {line} has a character that cannot be read (byte 0x{byte:02X}, "
    "“{guess}” in Windows/Latin-1). Save it as CSV UTF-8 (in Excel: File › Save As › “CSV UTF-8 (Comma "
    "delimited)”) and upload it again."
)
FILE_DELIMITER = (
    "The header is separated by {separator}, not by commas or semicolons. Save the file as CSV UTF-8 "
    "(comma separated) and upload it again."
)
FILE_BAD_QUOTES = (
    "The quotes in the file do not pair up (the row that starts on line {line}): a cell that starts with "
    'a quote (") must end with one, and a quote inside such a cell is written twice (""). Fix that cell, '
    "or save the file from your spreadsheet as CSV UTF-8 again."
)
HEADER_UNKNOWN = "The header has columns that are not known here: {names}."
HEADER_MISSING = "The header lacks the required columns {names}."
HEADER_DUPLICATE = "The column {name} appears more than once in the header; keep one of them."
HEADER_UNNAMED = "Column {position} of the header has no name; name it or delete the column."
HEADER_UNNAMED_MANY = "Columns {positions} of the header have no name; name them or delete those columns."
HEADER_TOO_WIDE = (
    "The header has {count} columns; a bulk upload file has at most {limit}. Delete the columns that are not "
    "in the sample file and upload it again."
)
HEADER_FIX = "Use the column names of the sample file: {names} (MentorEd's column names work too)."
FILE_HEADER_ONLY = "The file has a header but no rows. Add one row per session below the header."
FILE_TOO_MANY_ROWS = (
    "The file has {count} rows; one upload can have at most {limit}. Split it into files of {limit} rows or fewer."
)

# --- one row (the row is Invalid and changes nothing) ----------------------------------------------

ROW_ACTION_MISSING = "The action is empty; enter Create, Edit or Delete."
ROW_ACTION_UNKNOWN = "“{value}” is not an action; enter Create, Edit or Delete."
ROW_ID_MISSING = (
    "{action} needs the session's ID; copy it from the session list, or from the result file of the upload "
    "that created the session."
)
ROW_ID_INVALID = "“{value}” is not a session ID; session IDs are whole numbers such as 42."
ROW_CREATE_WITH_ID = (
    "A Create row has no ID, but this one has {value}. If the session exists already (for example, the row "
    "comes from a result file), write Edit instead of Create; to make a new session, clear the ID."
)
ROW_DATE_INVALID = "“{value}” is not a date in DD-MM-YYYY format; write it like 25-12-2026."
ROW_TIME_INVALID = "“{value}” is not a 24-hour time; write it like 17:00 (a trailing “Hrs” is fine)."
ROW_TIME_ZONE_INVALID = "“{value}” is not a time zone known here; enter IST or UTC."
ROW_START_INCOMPLETE = "Fill in {missing} too: a session's start needs Date, Time and Time Zone together."
ROW_DURATION_INVALID = "“{value}” is not a whole number of minutes; write the duration like 60."
ROW_VERSION_INVALID = (
    "“{value}” is not a session version; keep the Version the export for bulk edit wrote, or clear it to edit "
    "whatever the session holds now."
)
ROW_TYPE_INVALID = "“{value}” is not a session type; enter Public or Private."
ROW_REMINDERS_INVALID = (
    "“{value}” is not a reminders setting; enter Yes to mail reminders before the session or No for none "
    "(empty means Yes on Create and unchanged on Edit)."
)
ROW_PLATFORM_INVALID = (
    "“{value}” is not a meeting platform supported here; enter BigBlueButton, Google Meet or Zoom, or leave "
    "it empty for BigBlueButton."
)
ROW_EXTRA_CELLS = (
    "This row has {count} cells but the header has {columns}; a cell with a comma (or a semicolon) in it "
    "must be in quotes."
)

# --- the job -------------------------------------------------------------------------------------

JOB_STOPPED = (
    "The upload stopped after {done} of {total} rows because of an internal error; the rows before that "
    "were handled (see the result rows). Upload the remaining rows again, or ask your administrator."
)
