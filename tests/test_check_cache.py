"""`koc check` with its cache finds what a check without it finds, reading only what changed."""

from __future__ import annotations

import shutil

import pytest

from conftest import koc

from generator.content import check, check_cache, load
from generator.content.check import check_library
from generator.options import Options

pytestmark = pytest.mark.slow  # each step checks a small library twice


def _options(project, cache="koc"):
    return Options(project_dir=project, content_dir=project / "content", cache_dir=project / ".cache" / cache)


def _fresh(project):
    """The findings of a check without any cache."""
    shutil.rmtree(project / ".cache" / "none", ignore_errors=True)
    load._PARSED.clear()
    checked = check_library(_options(project, "none"))
    return [p.format() for p in checked.problems], len(checked.library.works)


def _cached(project):
    load._PARSED.clear()  # as a new `koc check` process would start
    problems, works = check_cache.check_with_cache(_options(project))
    return [p.format() for p in problems], works


@pytest.fixture
def reads(monkeypatch):
    """The works each load reads (None: all of them)."""
    seen = []
    real = load.load_library
    spy = lambda *a, only=None, **k: seen.append(only) or real(*a, only=only, **k)  # noqa: E731
    monkeypatch.setattr(load, "load_library", spy)
    monkeypatch.setattr(check, "load_library", spy)
    return seen


def test_a_check_again_reads_no_work_and_finds_the_same(project, reads):
    bad = project / "content/works/2026/2026-stranger.md"
    bad.write_text("---\ntitle: 陌生人\ntype: video\ndate: 2026-01-01\ncontributors: [nobody]\nrights: {uses: [training], expires: null}\n---\n电话 13812345678\n", encoding="utf-8")
    first = _cached(project)
    assert any("未知贡献者 nobody" in p for p in first[0]) and first == _fresh(project)
    reads.clear()
    assert _cached(project) == first and reads == []


def test_an_edited_work_is_checked_alone(project, reads):
    _cached(project)
    edited = sorted((project / "content/works").rglob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n联系我：13812345678\n", encoding="utf-8")
    reads.clear()
    found = _cached(project)
    assert len(reads) == 1 and reads[0] == {edited.resolve()}  # that work alone
    assert any("疑似包含" in p and edited.name in p for p in found[0]) and found == _fresh(project)
    # Saved again without the number: its warning goes.
    edited.write_text(edited.read_text(encoding="utf-8").replace("联系我：13812345678\n", ""), encoding="utf-8")
    again = _cached(project)
    assert not any("疑似包含" in p for p in again[0]) and again == _fresh(project)


def test_a_change_that_reaches_other_files_checks_everything(project, reads):
    _cached(project)
    # A work that no longer validates (honors and collections could name it), then a changed contributors.yml.
    edited = sorted((project / "content/works").rglob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("type: ", "type: 不存在的类型", 1), encoding="utf-8")
    reads.clear()
    found = _cached(project)
    assert reads[-1] is None and found == _fresh(project) and any(edited.name in p for p in found[0])
    people = project / "content/contributors.yml"
    people.write_text(people.read_text(encoding="utf-8").replace("alice", "alicia"), encoding="utf-8")
    reads.clear()
    found = _cached(project)
    assert reads[-1] is None and found == _fresh(project) and any("未知贡献者 alice" in p for p in found[0])


def test_koc_check_prints_the_same_with_its_cache(project, capsys):
    bad = project / "content/works/2026/2026-stranger.md"
    bad.write_text("---\ntitle: 陌生人\ntype: video\ndate: 2026-01-01\ncontributors: [nobody]\nrights: {uses: [training], expires: null}\n---\n正文\n", encoding="utf-8")
    outputs = []
    for _ in range(2):
        load._PARSED.clear()
        code = koc("check", project=project)
        out = capsys.readouterr()
        outputs.append((code, out.out, out.err))
    assert outputs[0] == outputs[1] and outputs[0][0] == 1 and "nobody" in outputs[0][1]


@pytest.mark.parametrize("damage", ["truncated", "no problems", "rows of the wrong shape", "a list"])
def test_a_damaged_check_cache_is_a_miss(project, reads, damage):
    import json

    first = _cached(project)
    cache = _options(project).cache_dir / check_cache.FILE
    data = json.loads(cache.read_text(encoding="utf-8"))
    text = {"truncated": cache.read_text(encoding="utf-8")[:40],
            "no problems": json.dumps({k: v for k, v in data.items() if k != "problems"}),
            "rows of the wrong shape": json.dumps(dict(data, problems=[["x"]], stats={"a": 1})),
            "a list": json.dumps([data])}[damage]
    cache.write_text(text, encoding="utf-8")
    reads.clear()
    again = _cached(project)
    assert reads == [None]  # one full check
    assert again == first == _fresh(project)
