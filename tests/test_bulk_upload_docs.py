"""docs/bulk-upload.md explains every message an upload can produce: the bulk upload's own (in
backend/bulk_upload/messages.py) and the session rules' (backend/sessions/rules.py, changes.py and
writing.py).

The messages are read from the code itself, so adding a message without documenting it fails here.
Every sentence-like string in those modules counts as a message; strings that are not messages are
named in NOT_MESSAGES (tests/support/bulk_upload_messages.py). The corpus test
(test_bulk_upload_corpus.py) checks the other way: that uploads really produce each of these messages,
and nothing else.
"""

from __future__ import annotations

import ast

from tests.support.bulk_upload_messages import BULK_MODULES, ROOT, catalogue, fragments

DOC = ROOT / "docs" / "bulk-upload.md"


def squeeze(text: str) -> str:
    return " ".join(text.split())


def test_every_message_in_the_code_is_explained_in_the_troubleshooting_guide():
    doc = squeeze(DOC.read_text())
    missing = [t for t in catalogue() if any(squeeze(f) not in doc for f in fragments(t))]
    assert not missing, (
        "These messages are not in docs/bulk-upload.md (Troubleshooting invalid messages); add each with "
        "its cause and fix, or, if a string is not a message, add it to NOT_MESSAGES "
        "(tests/support/bulk_upload_messages.py):\n" + "\n".join(missing)
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
