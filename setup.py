"""Ships the browser app (frontend/) inside the wheel as backend/frontend, so a plain `pip install .`
serves it; everything else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FRONTEND = Path(__file__).resolve().parent / "frontend"
SKIP = shutil.ignore_patterns("node_modules", "test-results", "*.pyc", "__pycache__")


class BuildPyWithFrontend(build_py):
    def run(self) -> None:
        super().run()
        # An editable install serves frontend/ from the source tree instead (see backend/app.py).
        if not getattr(self, "editable_mode", False) and FRONTEND.is_dir():
            target = Path(self.build_lib) / "backend" / "frontend"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(FRONTEND, target, ignore=SKIP)


setup(cmdclass={"build_py": BuildPyWithFrontend})
