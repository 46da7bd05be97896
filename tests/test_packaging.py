"""A plain `pip install .` (not editable) gives a working `sessiondesk serve` that serves the browser app.

The wheel is built from a copy of what the Dockerfile copies, installed into a fresh virtual
environment with `--no-deps`; that environment borrows the dependencies already installed in the test
environment through a .pth line (a path only: the test environment's own editable install of the
project is not activated), so the test does not download them again. The server runs from a folder
outside the source tree, so only the installed copy of the package can answer.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx

from tests.support.live_client import free_port

ROOT = Path(__file__).resolve().parent.parent
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


def test_the_installed_wheel_serves_the_browser_app(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("backend", "frontend"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([*PIP, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(source)], check=True, timeout=600)
    [wheel] = (tmp_path / "dist").glob("sessiondesk-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([*PIP, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], check=True)
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site_packages / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "run"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import backend.app as a; print(a.__file__); print(a.FRONTEND_DIR)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(path.startswith(str(site_packages)) for path in where), where

    env = {"DATA_DIR": str(elsewhere / "data"), "SECRET_KEY": "wheel-test-" + "k" * 40, "PATH": "/usr/bin:/bin"}
    sessiondesk = str(venv / "bin" / "sessiondesk")
    subprocess.run([sessiondesk, "migrate"], cwd=elsewhere, env=env, check=True, timeout=120, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [sessiondesk, "serve", "--port", str(port)], cwd=elsewhere, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(300):
                try:
                    ready = client.get("/readyz")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, server.stderr.read()
                    time.sleep(0.1)
            assert ready.status_code == 200, ready.text
            page = client.get("/")
            assert page.status_code == 200 and page.text == (ROOT / "frontend" / "index.html").read_text()
            for name in ("app.js", "styles.css", "list/sessions-list.js"):
                served = client.get(f"/static/{name}")
                assert served.status_code == 200 and served.content == (ROOT / "frontend" / name).read_bytes()
            assert client.get("/sessions/12").text == page.text  # every browser route answers the app shell
    finally:
        server.terminate()
        server.wait(timeout=30)
