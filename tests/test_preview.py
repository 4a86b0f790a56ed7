"""Live preview: drafts shown, problems on the page instead of a stopped server, rebuilds on save."""

from __future__ import annotations

import pytest

import os
import socket
import subprocess
import sys
import time
import urllib.request

from conftest import page, write_library
from generator.publish.build import build_site

pytestmark = pytest.mark.slow  # end to end: preview builds and a live koc serve

W = "content/works/2026/2026-camping-video.md"


def test_preview_build_shows_problems_on_the_affected_page(tmp_path):
    project = write_library(tmp_path / "p")
    path = project / W
    path.write_text(path.read_text(encoding="utf-8").replace("- 露营\n", "- 露营地\n"), encoding="utf-8")
    build_site(project / "mkdocs.yml", project / "site", {"as_of": "2026-06-01", "preview": True, "drafts": True})
    soup = page(project / "site", "works/2026-camping-video/")
    box = soup.select_one(".koc-problems")
    assert "未知场景“露营地”" in box.get_text() and f"{W}:" in box.get_text()
    assert "内容有 1 个错误" in page(project / "site", "").get_text()
    assert page(project / "site", "works/2025-maintenance-article/").select_one(".koc-credit-box")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode("utf-8")


def _wait_for(url: str, predicate, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            last = _get(url)
            if predicate(last):
                return last
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never matched; last page:\n{last[:500]}")


def test_koc_serve_rebuilds_when_a_work_is_saved(tmp_path):
    project = write_library(tmp_path / "p")
    port = _free_port()
    env = dict(os.environ, KOC_AS_OF="2026-06-01")
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "--project", str(project), "serve", "--dev-addr", f"127.0.0.1:{port}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/works/2026-camping-video/"
        _wait_for(url, lambda html: "带娃露营两天一夜" in html, timeout=90)
        path = project / W
        path.write_text(path.read_text(encoding="utf-8").replace("带娃露营两天一夜", "带娃露营三天两夜"), encoding="utf-8")
        _wait_for(url, lambda html: "带娃露营三天两夜" in html)
        # Only changed pages are rebuilt, but every listing that shows the work is among them.
        for listing in ("", "scenarios/camping/", "contributors/alice/", "tags/xu-hang/"):
            assert "带娃露营三天两夜" in _get(f"http://127.0.0.1:{port}/{listing}"), listing
        assert "带娃露营两天一夜" not in _get(f"http://127.0.0.1:{port}/")
        # A mistake does not stop the server: the page explains it.
        path.write_text(path.read_text(encoding="utf-8").replace("type: video", "type: vlog"), encoding="utf-8")
        html = _wait_for(url, lambda html: "koc-problems" in html)
        assert "vlog" in html
    finally:
        proc.terminate()
        proc.wait(timeout=10)
