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


def _preview_build(project, site):
    """One rebuild as `koc serve` runs it: a fresh configuration, MkDocs' dirty build."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from generator.mkdocs_adapter.config import plugins_with

    plugins = plugins_with(project / "mkdocs.yml", as_of="2026-06-01", drafts=True, preview=True)
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site), plugins=plugins)
    build(config, serve_url="http://127.0.0.1:8000/", dirty=True)
    config.plugins.on_shutdown()


def test_a_save_renders_only_the_pages_it_touches(tmp_path, monkeypatch):
    from conftest import DEFAULT_WORKS, work
    from generator.pages.render import Renderer

    works = dict(DEFAULT_WORKS, **{"2025-winter-tyres": work("冬季胎压检查", "article", "2025-12-01", ["carol"],
                                                              "冬天胎压会低一些。", scenarios=["保养"], models=["星途S5 EV"])})
    project = write_library(tmp_path / "p", works=works)
    site = tmp_path / "site"
    _preview_build(project, site)
    unrelated = site / "works/2025-winter-tyres/index.html"
    assert "带娃露营两天一夜" not in unrelated.read_text(encoding="utf-8")  # it does not show the saved work
    before = unrelated.stat().st_mtime_ns

    rendered = []
    body = Renderer.body
    monkeypatch.setattr(Renderer, "body", lambda self, src, *a, **k: rendered.append(src) or body(self, src, *a, **k))
    path = project / W
    path.write_text(path.read_text(encoding="utf-8").replace("带娃露营两天一夜", "带娃露营三天两夜"), encoding="utf-8")
    _preview_build(project, site)

    # The saved work's page and the listings that show it are right at once …
    for url in ("works/2026-camping-video/", "contributors/alice/", "contributors/bob/", "scenarios/camping/", "works/"):
        assert "带娃露营三天两夜" in page(site, url).get_text(), url
        assert "带娃露营两天一夜" not in page(site, url).get_text(), url
    assert {"works/2026-camping-video.md", "contributors/alice.md", "contributors/bob.md"} <= set(rendered)
    # … and a work that shows nothing of it is neither rendered nor written again.
    assert "works/2025-winter-tyres.md" not in rendered and "contributors/carol.md" not in rendered
    assert unrelated.stat().st_mtime_ns == before
    assert len(rendered) < len(set(rendered)) + 1  # each page rendered once
