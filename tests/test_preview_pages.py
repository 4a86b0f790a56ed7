"""The preview's page sources on disk: a save rewrites only the pages whose text changed."""

from __future__ import annotations

import os

from generator.mkdocs_adapter.preview_pages import materialise


def _mtimes(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.md")}


def _age(folder):
    # Back-date every file, so that a rewrite shows in its mtime whatever the clock's resolution.
    for p in folder.rglob("*.md"):
        os.utime(p, ns=(1_000_000_000, 1_000_000_000))


def test_a_save_rewrites_only_the_changed_pages(tmp_path):
    folder = tmp_path / "pages"
    pages = {f"works/w{i}.md": f"# 作品 {i}\n" for i in range(5)} | {"index.md": "# 首页\n"}
    materialise(pages, folder, "salt")
    _age(folder)
    changed = dict(pages, **{"works/w2.md": "# 作品 2（改）\n"})
    del changed["works/w4.md"]
    paths = materialise(changed, folder, "salt")
    after = _mtimes(folder)
    assert set(paths) == set(changed) and "works/w4.md" not in after  # a page gone is deleted
    assert [p for p, t in after.items() if t != 1_000_000_000] == ["works/w2.md"]
    assert (folder / "works/w2.md").read_text(encoding="utf-8") == "# 作品 2（改）\n"
    # A file removed behind the preview's back is written again, though its text did not change.
    (folder / "index.md").unlink()
    materialise(changed, folder, "salt")
    assert (folder / "index.md").read_text(encoding="utf-8") == "# 首页\n"


def test_a_new_theme_rewrites_every_page(tmp_path):
    folder = tmp_path / "pages"
    pages = {"a.md": "A\n", "b/c.md": "C\n"}
    materialise(pages, folder, "one")
    _age(folder)
    materialise(pages, folder, "two")
    assert all(t != 1_000_000_000 for t in _mtimes(folder).values())
