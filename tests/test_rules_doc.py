"""docs/rules.md is the contract in the repository: it names R1–R9, the test files it cites exist, and
nothing in the repository points at a contract outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "rules.md"
SKIPPED_DIRS = {".git", ".venv", "node_modules", "var", "__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"}
TEXT_SUFFIXES = {".py", ".md", ".js", ".html", ".css", ".toml", ".yml", ".yaml", ".json", ".txt", ".cfg", ""}


def test_every_rule_is_written_down_with_its_proof():
    text = DOC.read_text()
    for number in range(1, 10):
        section = re.search(rf"^### R{number} — .*?(?=^### |\Z)", text, re.M | re.S)
        assert section, f"R{number} has no section in docs/rules.md"
        assert "Proved by" in section.group(0), f"R{number} does not name the tests that prove it"


def test_the_test_files_the_rules_cite_exist():
    cited = set(re.findall(r"`(tests/[\w/]+\.py)`", DOC.read_text()))
    assert cited
    assert sorted(p for p in cited if not (ROOT / p).is_file()) == []


def test_nothing_in_the_repository_refers_to_a_contract_outside_it():
    # Spelled in pieces so that this file does not name them itself.
    names = ["DESIGN" + ".md", ".." + "/shared", "/work" + "/shared"]
    outside = re.compile("|".join(re.escape(name) for name in names))
    offenders = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in relative.parts):
            continue
        is_text = path.is_file() and path.suffix in TEXT_SUFFIXES
        if is_text and outside.search(path.read_text(errors="replace")):
            offenders.append(str(relative))
    assert offenders == []
