"""docs/bulk-upload.md explains every message an upload can produce: the bulk upload's own (in
backend/bulk_upload/messages.py) and the session rules' (backend/sessions/rules.py, changes.py and
writing.py).

The messages are read from the code itself, so adding a message without documenting it fails here.
Every sentence-like string in those modules counts as a message; strings that are not messages are
named in NOT_MESSAGES below. The corpus test (test_bulk_upload_corpus.py) checks the other way: that
uploads really produce each of these messages, and nothing else.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "bulk-upload.md"
MESSAGE_MODULES = [
    "backend/bulk_upload/messages.py",
    "backend/sessions/rules.py",
    "backend/sessions/changes.py",
    "backend/sessions/writing.py",
]
# The bulk upload writes its messages only in messages.py; its other modules must not build messages.
BULK_MODULES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "backend" / "bulk_upload").glob("*.py"))
NOT_MESSAGES = {
    'SELECT COALESCE(MAX(id), 0) AS id FROM "session"',
    "SELECT nextval(pg_get_serial_sequence('session', 'id')) AS id FROM generate_series(1, $1)",
}
PLACEHOLDER = re.compile(r"\{[a-z_]*(?::[^}]*)?\}")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def strings_of(path: str) -> list[str]:
    """Every string literal of a module but its docstrings, f-strings with {} for their fields."""
    tree = ast.parse((ROOT / path).read_text())
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found.append(PLACEHOLDER.sub("{}", node.value))
    return found


def catalogue() -> list[str]:
    """The message templates of the code: sentence-like strings (four words or more)."""
    templates = []
    for path in MESSAGE_MODULES:
        for text in strings_of(path):
            if len(text.split()) >= 4 and text not in NOT_MESSAGES and text not in templates:
                templates.append(text)
    return templates


def fragments(template: str) -> list[str]:
    """The fixed parts of a template long enough to say which message it is."""
    return [part.strip() for part in template.split("{}") if len(part.strip()) >= 8]


def pattern(template: str) -> str:
    return "(?:.+?)".join(re.escape(part) for part in template.split("{}"))


def squeeze(text: str) -> str:
    return " ".join(text.split())


def test_every_message_in_the_code_is_explained_in_the_troubleshooting_guide():
    doc = squeeze(DOC.read_text())
    missing = [t for t in catalogue() if any(squeeze(f) not in doc for f in fragments(t))]
    assert not missing, (
        "These messages are not in docs/bulk-upload.md (Troubleshooting invalid messages); add each with "
        "its cause and fix, or, if a string is not a message, add it to NOT_MESSAGES:\n" + "\n".join(missing)
    )


def test_the_catalogue_holds_the_messages_of_rules_changes_and_the_bulk_upload():
    templates = catalogue()
    assert len(templates) > 60
    for sample in (
        "A mentor cannot have overlapping or back-to-back sessions",  # rules.py
        "There is no session with ID {} in your organisation",  # changes.py
        "“{}” is not a date in DD-MM-YYYY format",  # messages.py
    ):
        assert any(sample in t for t in templates), sample


MESSAGE_CALLS = {"add": 2, "UserError": 2, "FileRefused": 0, "Refused": 0}  # call → position of its message


def test_the_bulk_upload_writes_its_messages_only_in_messages_py():
    offenders = []
    for path in BULK_MODULES:
        if path.endswith("messages.py"):
            continue
        for node in ast.walk(ast.parse((ROOT / path).read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            position = MESSAGE_CALLS.get(name)
            if position is None or len(node.args) <= position:
                continue
            literals = [
                n for n in ast.walk(node.args[position]) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            if any(len(literal.value.split()) >= 4 for literal in literals):
                offenders.append(f"{path}:{node.lineno}: {ast.unparse(node.args[position])}")
    assert not offenders, "Write these messages in backend/bulk_upload/messages.py and document them:\n" + "\n".join(
        offenders
    )


def test_a_new_undocumented_message_would_fail_the_check(tmp_path):
    # The check itself: a template whose words are not in the guide is reported.
    doc = squeeze(DOC.read_text())
    invented = "The session {} needs a unicorn; add a unicorn to the row."
    assert any(squeeze(f) not in doc for f in fragments(invented))
