"""Issue 10, publishing and caches: nothing lost, nothing stuck, nothing run from a cache.

Items 1 (output targets), 3 (expired text purged from the index), 11 (two
builds at once), 12 (atomic swap, leftovers of a killed run), 13 (corrupt or
planted caches) and 18 (a site that cannot be replaced).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import AS_OF, build, koc, page, tree_bytes, write_library


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project with a built internal site, shared by the refusal tests (they must change nothing)."""
    project = write_library(tmp_path_factory.mktemp("guard") / "p")
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    build(project)
    return project


def snapshot(project: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree_bytes(project).items() if not k.startswith(".cache/")}


# -- item 1: the target of build and export --

def _targets(project: Path, outside: Path):
    (outside / "notes").mkdir(parents=True, exist_ok=True)
    (outside / "notes" / "mine.txt").write_text("my notes", encoding="utf-8")
    (project / "content-link").unlink(missing_ok=True)
    (project / "content-link").symlink_to(project / "content")
    return {
        "content": "content", "project": ".", "parent": "..", "templates": "site_templates", "git": ".git",
        "inside content": "content/works", "inside media": "content/media/out", "inside git": ".git/x",
        "cache": ".cache", "symlink to content": "content-link", "a file": "mkdocs.yml",
        "someone's folder": str(outside / "notes"), "root": "/",
    }


@pytest.mark.parametrize("command", ["build", "export"])
def test_a_target_that_is_not_ours_is_refused_and_nothing_changes(built, tmp_path, capsys, command):
    project = built
    for name, target in _targets(project, tmp_path).items():
        before = snapshot(project)
        notes = tree_bytes(tmp_path / "notes")
        args = ["build", "--site-dir", target] if command == "build" else ["export", target]
        cwd = os.getcwd()
        os.chdir(project)  # relative targets are taken from where the user stands
        try:
            code = koc(*args, "--as-of", AS_OF, project=project)
        finally:
            os.chdir(cwd)
        err = capsys.readouterr().err
        assert code != 0, name
        assert "拒绝写入" in err and "没有写入或删除任何文件" in err, (name, err)
        assert "站点已生成" not in err and "已导出" not in err
        assert snapshot(project) == before, name
        assert tree_bytes(tmp_path / "notes") == notes
        assert not [p for p in project.iterdir() if p.name.startswith((".content", ".site_templates", ".mkdocs"))]


def test_other_edition_and_other_kind_of_output_are_refused(built, tmp_path, capsys):
    project = built
    site = project / "site"
    before = tree_bytes(site)
    # Dealer pages into the internal site, an export into a site, a site into an export.
    assert koc("build", "--audience", "dealer", "--as-of", AS_OF, project=project) == 2
    assert "内部版的站点" in capsys.readouterr().err
    assert koc("export", str(site), "--as-of", AS_OF, project=project) == 2
    assert "不是 koc 之前生成的导出目录" in capsys.readouterr().err
    out = tmp_path / "export"
    assert koc("export", str(out), "--audience", "dealer", "--as-of", AS_OF, project=project) == 0
    exported = tree_bytes(out)
    assert koc("export", str(out), "--as-of", AS_OF, project=project) == 2  # internal into the dealer export
    assert "经销商版的导出" in capsys.readouterr().err
    assert koc("build", "--site-dir", str(out), "--as-of", AS_OF, project=project) == 2
    assert tree_bytes(site) == before and tree_bytes(out) == exported
    # The same kind and edition again replaces it: a page of a removed work goes too.
    (out / "works" / "stale.md").write_text("old", encoding="utf-8")
    assert koc("export", str(out), "--audience", "dealer", "--as-of", AS_OF, project=project) == 0
    assert not (out / "works" / "stale.md").exists() and (out / ".koc-export").exists()
    assert (out / "works" / "2026-camping-video.md").exists() and not (out / "works" / "2025-maintenance-article.md").exists()


def test_export_writes_the_chosen_edition(tmp_path):
    project = write_library(tmp_path / "p")
    assert koc("export", str(tmp_path / "d"), "--audience", "dealer", "--as-of", AS_OF, project=project) == 0
    text = (tmp_path / "d" / "works" / "2026-camping-video.md").read_text(encoding="utf-8")
    assert "运营-周" not in text and "内部意见甲" not in text  # reviewer and feedback are internal
    assert not (tmp_path / "d" / "works" / "2025-maintenance-article.md").exists()  # not for dealer meetings
    assert koc("export", str(tmp_path / "i"), "--as-of", AS_OF, project=project) == 0
    assert "运营-周" in (tmp_path / "i" / "works" / "2026-camping-video.md").read_text(encoding="utf-8")


def test_export_refuses_assets_from_outside_media_and_targets_outside_the_folder(tmp_path):
    from generator.output_guard import OutputKind, OutputRefused
    from generator.publish import export_pages
    from generator.site import SiteSources

    project = write_library(tmp_path / "p")
    media = project / "content" / "media"
    (media / "ok.jpg").write_bytes(b"jpg")
    (media / "escape.jpg").symlink_to(project / "content" / "contributors.yml")
    out = tmp_path / "out"
    cases = [
        {"media/../contributors.yml": project / "content" / "media" / ".." / "contributors.yml"},
        {"media/escape.jpg": media / "escape.jpg"},
        {"../../outside.txt": media / "ok.jpg"},
        {"/etc/x": media / "ok.jpg"},
    ]
    for assets in cases:
        sources = SiteSources(pages={"index.md": "# hi"}, assets=dict(assets, **{"media/ok.jpg": media / "ok.jpg"}))
        with pytest.raises(OutputRefused, match="拒绝导出"):
            export_pages(sources, out, OutputKind.export("internal"), {}, project, [media])
        assert not out.exists() and not (tmp_path / "outside.txt").exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    sources = SiteSources(pages={"index.md": "# hi"}, assets={"media/ok.jpg": media / "ok.jpg"})
    assert export_pages(sources, out, OutputKind.export("internal"), {}, project, [media]) == 1
    assert (out / "media" / "ok.jpg").read_bytes() == b"jpg"


def test_an_empty_folder_and_a_site_of_an_older_version_are_accepted(tmp_path):
    project = write_library(tmp_path / "p")
    (project / "site").mkdir()
    build(project)
    (project / "site" / ".koc-site").unlink()  # as built before markers existed
    site = build(project)
    assert (site / ".koc-site").is_file() and (site / "works/2026-camping-video/index.html").exists()
