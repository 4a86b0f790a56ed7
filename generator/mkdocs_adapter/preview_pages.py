"""Page sources on disk for the live preview, rendered and rewritten only when they change.

MkDocs' dirty rebuild (`mkdocs serve --dirty`) skips a page whose source is
older than its output; in-memory pages always count as changed. So in
preview the rendered pages are written here and a file is touched only when
its text differs: saving one work rebuilds that work's page and the listings
that show it, not the whole library. A page is not even rendered again when
the digest of its view data (`PageSources.fingerprint`) is the one of the
last save. A change of theme, templates or configuration (the `salt`)
renders and rewrites every file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path


# The fingerprint of each page last written to each folder by this process: a save compares
# the new pages' fingerprints with these instead of rendering every page again.
_WRITTEN: dict[Path, tuple[str, dict[str, str | None]]] = {}


def _fingerprint(pages: Mapping[str, str], path: str) -> str | None:
    of = getattr(pages, "fingerprint", None)
    if of is not None:
        return of(path)
    return hashlib.blake2b(pages[path].encode("utf-8"), digest_size=16).hexdigest()  # plain text pages


def materialise(pages: Mapping[str, str], folder: Path, salt: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / ".salt"
    fresh = not stamp.exists() or stamp.read_text() != salt
    last_salt, last = _WRITTEN.get(folder, (None, {}))
    known = last if last_salt == salt and not fresh else {}
    paths, prints = {}, {}
    for path in pages:
        target = folder / path
        prints[path] = mark = _fingerprint(pages, path)
        paths[path] = target
        if mark is not None and known.get(path) == mark and target.exists():
            continue
        text = pages[path]
        if fresh or not target.exists() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    # Pages gone since the last save; a first save in this process looks at the whole folder.
    gone = [folder / p for p in known if p not in prints] if known else \
        [p for p in folder.rglob("*.md") if p.relative_to(folder).as_posix() not in prints]
    for old in gone:
        old.unlink(missing_ok=True)
    stamp.write_text(salt)
    _WRITTEN[folder] = (salt, prints)
    return paths


def materialise_files(files: dict[str, bytes], folder: Path) -> dict[str, Path]:
    """Generated non-page files (stylesheets, the kit's QR codes, …) on disk, a file rewritten
    only when its bytes change, so that MkDocs' dirty rebuild copies only those (at 5,000
    works, writing every QR code again took seconds of each save)."""
    folder.mkdir(parents=True, exist_ok=True)
    _, last = _WRITTEN.get(folder, (None, {}))
    paths, prints = {}, {}
    for path, data in files.items():
        target = folder / path
        prints[path] = mark = hashlib.blake2b(data, digest_size=16).hexdigest()
        paths[path] = target
        if last.get(path) != mark or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    _WRITTEN[folder] = ("", prints)
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
