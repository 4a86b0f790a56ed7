"""The preview's validation: after a save, only the saved works are validated again, with the same result."""

from __future__ import annotations

from conftest import write_library
from generator.content import preview_check
from generator.content.check import check_library
from generator.mkdocs_adapter.config import read_options

W = "content/works/2026/2026-camping-video.md"


def _same(a, b):
    assert a.library == b.library
    assert [p.format() for p in a.problems] == [p.format() for p in b.problems]


def _edit(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_saved_work_is_validated_alone_and_the_result_is_the_full_checks(tmp_path, monkeypatch):
    project = write_library(tmp_path / "p")
    options = read_options(project / "mkdocs.yml", preview=True)
    _same(preview_check.check_for_preview(options), check_library(options))

    full = []
    monkeypatch.setattr(preview_check, "check_library", lambda o: full.append(o) or check_library(o))
    _edit(project / W, "带娃露营两天一夜", "带娃露营三天两夜")
    checked = preview_check.check_for_preview(options)
    assert not full  # only the saved work was read and validated
    assert [w.title for w in checked.library.works if w.id == "2026-camping-video"] == ["带娃露营三天两夜"]
    _same(checked, check_library(options))

    _edit(project / W, "type: video", "type: vlog")  # now invalid: other findings may change, all is checked
    checked = preview_check.check_for_preview(options)
    assert len(full) == 1 and "vlog" in " ".join(p.format() for p in checked.problems)
    _same(checked, check_library(options))

    (project / "content/contributors.yml").write_text((project / "content/contributors.yml").read_text(encoding="utf-8")
                                                      .replace("小博", "小博士"), encoding="utf-8")
    _edit(project / W, "type: vlog", "type: video")
    _same(preview_check.check_for_preview(options), check_library(options))
    assert len(full) == 2  # not a work: the whole library
