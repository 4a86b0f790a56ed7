"""Page sources on disk for the live preview, rewritten only when they change.

MkDocs' dirty rebuild (`mkdocs serve --dirty`) skips a page whose source is
older than its output; in-memory pages always count as changed. So in
preview the rendered pages are written here and a file is touched only when
its text differs: saving one work rebuilds that work's page and the listings
that show it, not the whole library. A change of theme, templates or
configuration (the `salt`) rewrites every file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


# The pages last written to each folder by this process: a save compares the new sources
# with these in memory instead of reading thousands of files back from disk.
_WRITTEN: dict[Path, tuple[str, dict[str, str]]] = {}


def materialise(pages: dict[str, str], folder: Path, salt: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / ".salt"
    fresh = not stamp.exists() or stamp.read_text() != salt
    last_salt, last = _WRITTEN.get(folder, (None, {}))
    known = last if last_salt == salt and not fresh else {}
    paths = {}
    for path, text in pages.items():
        target = folder / path
        if known.get(path) == text and target.exists():
            paths[path] = target
            continue
        if fresh or not target.exists() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        paths[path] = target
    for old in folder.rglob("*.md"):
        if old.relative_to(folder).as_posix() not in pages:
            old.unlink()
    stamp.write_text(salt)
    _WRITTEN[folder] = (salt, pages)
    return paths


def theme_salt(*roots: Path) -> str:
    """A hash of every file's path, size and mtime under the given folders and files."""
    digest = hashlib.sha256()
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in files:
            st = p.stat()
            digest.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()
