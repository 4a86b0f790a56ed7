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


def html_of(site: Path) -> dict[str, bytes]:
    """The pages of a site (Pagefind's bundle differs from build to build in its hashes)."""
    return {k: v for k, v in tree_bytes(site).items() if k.endswith(".html")}


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
    from generator.publish.output_guard import OutputKind, OutputRefused
    from generator.publish.build import export_pages
    from generator.pages.site import SiteSources

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


# -- item 12: one atomic swap, and what a killed run leaves is cleared by the next --

@pytest.mark.slow  # many libraries, files or processes: end to end
def test_the_swap_never_leaves_a_moment_without_a_site(tmp_path):
    import threading

    from generator.publish.output_guard import OutputKind
    from generator.publish.build import swap_into_place, work_folder

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("0", encoding="utf-8")
    missing, stop = [], threading.Event()

    def watch():
        while not stop.is_set():
            if not (site / "index.html").exists():
                missing.append(1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for n in range(1, 200):
            new = work_folder(site)
            new.mkdir()
            (new / "index.html").write_text(str(n), encoding="utf-8")
            swap_into_place(new, site, OutputKind.site("internal"))
    finally:
        stop.set()
        watcher.join()
    assert missing == [] and (site / "index.html").read_text(encoding="utf-8") == "199"
    assert site.is_dir() and not site.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_kill_between_the_fallback_renames_is_repaired_by_the_next_run(tmp_path, monkeypatch, capsys):
    # Without renameat2 the swap is two renames; a kill between them leaves
    # the old site and the complete new one beside an empty place.
    project = write_library(tmp_path / "p")
    site = build(project)
    before = tree_bytes(site)
    pid = _dead_pid()
    site.rename(project / f".site.old-{pid}")
    from generator.publish.leftovers import sweep_publish_leftovers

    assert sweep_publish_leftovers(site) and tree_bytes(site) == before  # the old site is back
    # And with a complete new build waiting, that one is put in place.
    new = project / f".site.building-{pid}"
    shutil.copytree(site, new)
    (new / "index.html").write_text("new", encoding="utf-8")
    site.rename(project / f".site.old-{pid}")
    sweep_publish_leftovers(site)
    assert (site / "index.html").read_text(encoding="utf-8") == "new"
    assert not [p for p in project.iterdir() if p.name.startswith(".site.")]
    # The fallback itself still publishes.
    monkeypatch.setenv("KOC_NO_RENAME_EXCHANGE", "1")
    site = build(project)
    assert html_of(site) == {k: v for k, v in before.items() if k.endswith(".html")}
    assert not [p for p in project.iterdir() if p.name.startswith(".site.")]


def test_a_build_killed_before_its_swap_keeps_the_site_and_the_next_run_clears_up(tmp_path):
    project = write_library(tmp_path / "p")
    site = build(project)
    before = tree_bytes(site)
    temp = tmp_path / "tmp"
    temp.mkdir()
    ready = tmp_path / "paused"
    (project / "pause_hook.py").write_text(
        "import pathlib, time\n"
        "def on_env(env, config, files):\n"
        f"    pathlib.Path({str(ready)!r}).write_text('x')\n"
        "    time.sleep(120)\n"
        "    return env\n", encoding="utf-8")
    cfg = project / "mkdocs.yml"
    original = cfg.read_text(encoding="utf-8")
    cfg.write_text(original + "hooks:\n  - pause_hook.py\n", encoding="utf-8")
    env = dict(os.environ, TMPDIR=str(temp))
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "--project", str(project), "build", "--as-of", AS_OF], env=env)
    deadline = time.time() + 120
    while not ready.exists():
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.1)
    children = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert tree_bytes(site) == before
    assert (project / f".site.building-{proc.pid}").exists()
    assert [p.name for p in temp.iterdir() if p.name.startswith("koc-pagefind-")]
    deadline = time.time() + 20
    while [c for c in children if _running(c)] and time.time() < deadline:
        time.sleep(0.1)
    assert not [c for c in children if _running(c)], "helpers outlived the killed build"
    cfg.write_text(original, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(project), "build", "--as-of", AS_OF], env=env, check=True)
    assert html_of(site) == {k: v for k, v in before.items() if k.endswith(".html")}
    assert not [p.name for p in project.iterdir() if p.name.startswith(".site.")]
    assert not [p.name for p in temp.iterdir() if p.name.startswith("koc-pagefind-")]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_helpers_die_with_their_build_and_their_folders_go_with_the_next_run(tmp_path):
    from generator.publish.leftovers import describe_process, sweep_pagefind_dirs

    # A helper started like Pagefind is: the kernel ends it with its parent.
    script = ("import subprocess, sys, time\n"
              "from generator.publish.leftovers import parent_death_hook\n"
              "p = subprocess.Popen(['sleep', '60'], preexec_fn=parent_death_hook())\n"
              "print(p.pid, flush=True)\n"
              "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    helper = int(parent.stdout.readline())
    assert _running(helper)
    parent.kill()
    parent.wait()
    deadline = time.time() + 10
    while _running(helper) and time.time() < deadline:
        time.sleep(0.05)
    assert not _running(helper)
    # A folder whose owner is dead goes, and a helper still running in it is killed;
    # a folder of a live owner stays.
    sleeper = subprocess.Popen(["sleep", "60"])
    dead = tmp_path / "koc-pagefind-dead"
    live = tmp_path / "koc-pagefind-live"
    for folder, owner in ((dead, {"pid": _dead_pid(), "start": None}), (live, describe_process(os.getpid()))):
        folder.mkdir()
        (folder / "owner.json").write_text(
            __import__("json").dumps({"owner": owner, "helpers": [describe_process(sleeper.pid)] if folder == dead else []}))
    assert sweep_pagefind_dirs(tmp_path) == [dead]
    assert sleeper.wait(timeout=10) == -signal.SIGKILL
    assert live.exists()


def test_a_build_that_is_never_published_leaves_no_pagefind_folder(tmp_path, monkeypatch):
    import gc

    from generator.options import Options
    from generator.pages.site import generate_site

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    project = write_library(tmp_path / "p")
    sources = generate_site(Options(project_dir=project, as_of=__import__("datetime").date(2026, 6, 1)).resolve())
    assert [p for p in tmp_path.iterdir() if p.name.startswith("koc-pagefind-")]
    sources.index_job.wait()
    del sources
    gc.collect()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("koc-pagefind-")]


# -- item 18: a site that cannot be replaced --

def test_a_busy_site_gives_a_clear_message_and_leaves_no_temporary_folder(tmp_path, monkeypatch, capsys):
    import errno

    from generator.publish import build as publish

    project = write_library(tmp_path / "p")
    site = build(project)
    before = tree_bytes(site)

    def busy(a, b):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(b))

    monkeypatch.setattr(publish, "_exchange", busy)
    capsys.readouterr()
    assert koc("build", "--as-of", AS_OF, project=project) == 1
    err = capsys.readouterr().err
    assert "正被占用" in err and "原目录保持不变" in err and "Traceback" not in err
    assert tree_bytes(site) == before
    assert not [p.name for p in project.iterdir() if p.name.startswith(".site.")]


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr")
def test_a_read_only_site_gives_a_clear_message_and_leaves_no_temporary_folder(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    site = build(project)
    before = tree_bytes(site)
    if subprocess.run(["chattr", "+i", str(site)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a folder immutable here")
    try:
        capsys.readouterr()
        assert koc("build", "--as-of", AS_OF, project=project) == 1
        err = capsys.readouterr().err
        assert "只读" in err and "原目录保持不变" in err
        assert tree_bytes(site) == before
        assert not [p.name for p in project.iterdir() if p.name.startswith(".site.")]
    finally:
        subprocess.run(["chattr", "-i", str(site)], check=True)
    # A read-only parent: nothing can even start.
    subprocess.run(["chattr", "+i", str(project)], check=True)
    try:
        assert koc("build", "--as-of", AS_OF, project=project) == 1
        assert "无法在" in capsys.readouterr().err
    finally:
        subprocess.run(["chattr", "-i", str(project)], check=True)


# -- item 3: text taken offline leaves the cache --

def _cache_holding(project: Path, phrase: str) -> list[str]:
    """Cache files whose raw bytes hold `phrase`, also inside any zlib stream (whoosh compresses stored fields)."""
    import zlib

    needle = phrase.encode("utf-8")

    def holds(data: bytes) -> bool:
        if needle in data:
            return True
        for i in range(len(data) - 1):
            if data[i] == 0x78 and data[i + 1] in (0x01, 0x5E, 0x9C, 0xDA):
                try:
                    if needle in zlib.decompressobj().decompress(data[i:]):
                        return True
                except zlib.error:
                    continue
        return False

    return sorted(p.relative_to(project).as_posix() for p in (project / ".cache").rglob("*") if p.is_file() and holds(p.read_bytes()))


def test_an_expired_work_leaves_no_text_in_the_cache(tmp_path):
    from conftest import DEFAULT_WORKS, work

    body, summary = "独一无二的过期正文短语甲乙丙。\n\n第二段也要消失。", "独一无二的过期摘要短语丁戊己"
    works = dict(DEFAULT_WORKS, expiring=work("即将到期的作品", "article", "2026-01-05", ["bob"], body, summary=summary,
                                               rights={"uses": ["training", "dealer_meeting"], "expires": __import__("datetime").date(2026, 7, 1)}))
    project = write_library(tmp_path / "p", works=works)
    for audience in ("internal", "dealer"):
        site = project / f"site-{audience}"
        assert koc("build", "--audience", audience, "--site-dir", str(site), "--as-of", "2026-06-01", project=project) == 0
    for audience in ("internal", "dealer"):  # a cold build writes no index: the first search does
        assert koc("search", "独一无二的过期正文短语甲乙丙", "--audience", audience, "--as-of", "2026-06-01", project=project) == 0
    # While in force, the text is in the index and the cache (so the check below can see it).
    assert any("whoosh/internal" in p for p in _cache_holding(project, "独一无二的过期正文短语甲乙丙"))
    assert any("whoosh/dealer" in p for p in _cache_holding(project, "独一无二的过期摘要短语丁戊己"))
    for audience in ("internal", "dealer"):
        site = project / f"site-{audience}"
        assert koc("build", "--audience", audience, "--site-dir", str(site), "--as-of", "2026-08-01", project=project) == 0
    assert _cache_holding(project, "独一无二的过期正文短语甲乙丙") == []
    assert _cache_holding(project, "独一无二的过期摘要短语丁戊己") == []
    assert _cache_holding(project, "第二段也要消失") == []
    assert "内容已下线" in page(project / "site-internal", "works/expiring/").get_text()


# -- item 13: a corrupt or planted cache is only a miss --

def _with_cover(project: Path) -> None:
    from PIL import Image

    Image.new("RGB", (1600, 1000), (30, 120, 200)).save(project / "content/media/big.jpg", quality=95)
    path = project / "content/works/2026/2026-camping-video.md"
    path.write_text(path.read_text(encoding="utf-8").replace("featured: true", "featured: true\ncover: media/big.jpg"), encoding="utf-8")


def _search_ids(project: Path, capsys, word: str) -> list[str]:
    import json

    capsys.readouterr()
    assert koc("search", word, "--json", "--as-of", AS_OF, project=project) == 0
    return [r["id"] for r in json.loads(capsys.readouterr().out)["results"]]


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "junk":
        path.write_bytes(os.urandom(len(data) or 64))
    else:  # random bytes in the middle, the rest intact
        middle = len(data) // 2
        data[middle:middle + 64] = os.urandom(64)
        path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["sqlite-middle", "sqlite-junk", "toc-junk", "toc-middle", "segment-middle", "segment-junk",
                                    "image-middle", "image-truncated", "manifest-junk"])
def test_a_damaged_cache_file_is_rebuilt_and_the_output_is_right(tmp_path, capsys, damage):
    from PIL import Image

    project = write_library(tmp_path / "p")
    _with_cover(project)
    site = build(project)
    expected = html_of(site)
    found = _search_ids(project, capsys, "露营")
    assert found == ["2026-camping-video"]
    image = (site / "media/w640/big.jpg").read_bytes()
    cache = project / ".cache" / "koc"
    kind, how = damage.split("-")
    if kind == "sqlite":
        # Fill the file with entries first, so the middle is data, not free space.
        assert koc("check", project=project) == 0
        targets = [cache / "derived.sqlite"]
    elif kind == "toc":
        targets = list(cache.glob("whoosh/*/_MAIN_*.toc"))
    elif kind == "segment":
        targets = list(cache.glob("whoosh/*/*.seg"))
    elif kind == "manifest":
        targets = list(cache.glob("whoosh/*/manifest.json"))
    else:
        targets = [p for p in (cache / "images").iterdir() if p.suffix == ".jpg"]
    assert targets
    for target in targets:
        if how == "truncated":
            target.write_bytes(target.read_bytes()[:200])
        else:
            _damage(target, how)
    capsys.readouterr()
    assert koc("check", project=project) == 0
    assert _search_ids(project, capsys, "露营") == found
    assert html_of(build(project)) == expected
    assert (site / "media/w640/big.jpg").read_bytes() == image  # the copy is made again, not published damaged
    with Image.open(site / "media/w640/big.jpg") as small:
        assert small.width == 640
    # And the repaired cache serves the next run as well.
    assert _search_ids(project, capsys, "首保") == ["2025-maintenance-article"]


def test_a_planted_pickle_in_any_cache_runs_nothing(tmp_path, capsys):
    import pickle
    import sqlite3

    project = write_library(tmp_path / "p")
    build(project)
    assert _search_ids(project, capsys, "露营") == ["2026-camping-video"]  # which writes the whoosh index
    cache = project / ".cache" / "koc"
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = pickle.dumps(Payload())
    # Every entry of the derived cache becomes the payload (whatever its key).
    with sqlite3.connect(cache / "derived.sqlite") as db:
        assert db.execute("UPDATE entries SET value = ?", (evil,)).rowcount > 0
    # Whoosh's table of contents holds pickles: plant one as its schema and segment list,
    # and rewrite the manifest so the files look intact.
    import json

    from generator.search.index import write_manifest
    for toc in cache.glob("whoosh/*/_MAIN_*.toc"):
        data = toc.read_bytes()
        toc.write_bytes(data[:40] + evil + data[40:])
        write_manifest(toc.parent)
    for seg in cache.glob("whoosh/*/*.seg"):
        seg.write_bytes(evil + seg.read_bytes())
        write_manifest(seg.parent)
    assert json.loads((cache / "whoosh/internal/manifest.json").read_text())
    assert koc("check", project=project) == 0
    assert _search_ids(project, capsys, "露营") == ["2026-camping-video"]
    site = build(project)
    assert (site / "works/2026-camping-video/index.html").exists()
    assert not marker.exists(), "a planted pickle ran"


def test_whoosh_pickles_are_read_with_an_allow_list():
    import pickle

    from generator.search.index import _safe_loads

    class Payload:
        def __reduce__(self):
            return (os.system, ("true",))

    for evil in (pickle.dumps(Payload()), pickle.dumps(Payload(), protocol=2), pickle.dumps(shutil.rmtree)):
        with pytest.raises(pickle.UnpicklingError):
            _safe_loads(evil)
    assert _safe_loads(pickle.dumps({"a": frozenset([1]), "b": b"x"}, protocol=2)) == {"a": frozenset([1]), "b": b"x"}


def test_cache_values_round_trip_exactly():
    import datetime as dt

    from generator.content.cache_codec import CacheCodecError, decode, encode
    from generator.content.yaml_source import load_yaml

    data = load_yaml("title: a\ntitle: b\n3: [x, {y: 2026-01-02}]\nwhen: 2026-01-02 08:00:00+08:00\nf: .inf\nn: null\nb: !!binary aGk=\n", first_line=2)
    back = decode(encode(data))
    assert back == data and type(back) is type(data)
    assert (back.line, back.lines, back.duplicates) == (data.line, data.lines, data.duplicates)
    assert (back[3].line, back[3].lines, back[3][1].lines) == (data[3].line, data[3].lines, data[3][1].lines)
    assert back["when"] == data["when"] and back["when"].utcoffset() == dt.timedelta(hours=8)
    value = ((1, "a"), {dt.date(2026, 1, 1): {1, 2}}, [None, True, 1.5])
    assert decode(encode(value)) == value
    with pytest.raises(CacheCodecError):
        encode(object())
    for planted in ('{"$": "os.system", "v": "x"}', b"\x80\x04pickle", '{"$": "WorkSource", "f": {"path": 1}}'):
        with pytest.raises((CacheCodecError, ValueError, TypeError)):
            decode(planted)


# -- item 11: two builds at once, cold cache --

def test_two_editions_built_at_once_from_a_cold_cache(tmp_path):
    project = write_library(tmp_path / "p")
    _with_cover(project)
    env = dict(os.environ, KOC_AS_OF=AS_OF)
    runs = [[sys.executable, "-m", "generator.cli", "--project", str(project), "build"],
            [sys.executable, "-m", "generator.cli", "--project", str(project), "build", "--audience", "dealer", "--site-dir", str(project / "site-dealer")],
            [sys.executable, "-m", "generator.cli", "--project", str(project), "build", "--site-dir", str(project / "site-2")]]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for cmd in runs]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    internal, dealer, again = project / "site", project / "site-dealer", project / "site-2"
    assert html_of(internal) == html_of(again)
    assert (dealer / "works/2026-camping-video/index.html").exists()
    assert not (dealer / "works/2025-maintenance-article/index.html").exists()  # not for dealer meetings
    assert "运营-周" in page(internal, "works/2026-camping-video/").get_text()
    assert "运营-周" not in page(dealer, "works/2026-camping-video/").get_text()
    for site in (internal, dealer):
        from PIL import Image
        with Image.open(site / "media/w640/big.jpg") as img:
            img.load()
    # A single build of each afterwards gives the same pages (the shared cache is sound).
    shutil.rmtree(project / ".cache")
    assert html_of(build(project)) == html_of(internal)
    assert not list((project / ".cache/koc/images").glob("*.tmp"))


@pytest.mark.slow  # many libraries, files or processes: end to end
def test_a_large_first_index_written_by_several_processes_reads_back(tmp_path):
    # Whoosh's writer processes open the index without our schema: they must get it too.
    import datetime as dt

    from conftest import work
    from generator.model import Audience
    from generator.search.index import index_dir, update_index, work_document
    from generator.pages.site import check_library

    works = {f"w{i:03d}": work(f"作品{i}", date="2026-01-02", body=f"第{i}篇正文，露营续航。") for i in range(210)}
    project = write_library(tmp_path / "p", works=works)
    from generator.options import Options
    opts = Options(project_dir=project, as_of=dt.date(2026, 6, 1)).resolve()
    checked = check_library(opts)
    docs = [work_document(w, checked.tags.slug) for w in checked.library.works]
    ix, report = update_index(opts.cache_dir, Audience.INTERNAL, docs, procs=2)
    assert len(report.added) == 210
    ix, report = update_index(opts.cache_dir, Audience.INTERNAL, docs, procs=2)
    assert report.added == [] and report.unchanged == 210  # read back from the files, not rebuilt
    assert len(list(index_dir(opts.cache_dir, Audience.INTERNAL).glob("*.seg"))) >= 1
