"""Pagefind bundles of the search shards, kept by the digest of the pages they index.

Indexing a shard of 5,000 works costs Pagefind ~20 CPU seconds and 2 GB, and a
build after one edit changes one shard (new works sort last: `bundle.shards_of`),
so a build indexes only the shards whose input pages changed and copies the others
from here, one folder per digest, holding the bundle as one uncompressed zip (its
files are gzip'd already; one file is stored in a fifth of the time of 4,500, which
a cold build would wait for) and its manifest. The digest covers every input page (words,
filters, sort keys), Pagefind's version and the language; the result-card meta is
not in Pagefind's input (it is put into the fragments after each build), so a
change of card alone re-indexes nothing.

The folder is not trusted: an entry is used only if its zip is a regular file (no
link is followed) whose members are exactly those of the manifest written with it,
with the same hashes; otherwise the shard is indexed again. A build keeps only the entries it used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
import zipfile
from importlib.metadata import version
from pathlib import Path

from generator.publish.leftovers import pid_alive

MANIFEST = "manifest.json"
PACK = "bundle.zip"


def shard_digest(pages: dict[str, str], language: str) -> str:
    """The digest of one shard's input: its pages (path → HTML), Pagefind's version, the language."""
    h = hashlib.sha256(f"pagefind {version('pagefind')} {language}\0".encode())
    for path in sorted(pages):
        h.update(path.encode("utf-8") + b"\0" + pages[path].encode("utf-8") + b"\0")
    return h.hexdigest()[:32]


def _files(folder: Path) -> dict[str, Path]:
    """Relative path → path of every regular file under `folder`, links neither followed nor counted."""
    out = {}
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in names:
            path = Path(root) / name
            if not path.is_symlink() and path.is_file():
                out[path.relative_to(folder).as_posix()] = path
    return out


class ShardCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _entry(self, digest: str) -> Path:
        return self.folder / digest

    def has(self, digest: str) -> bool:
        entry = self._entry(digest)
        return not entry.is_symlink() and (entry / MANIFEST).is_file()

    def fetch(self, digest: str, target: Path) -> bool:
        """Unpack the entry's bundle to `target` (which must not exist); False, and nothing left
        at `target`, if the entry is missing or does not match its manifest."""
        entry = self._entry(digest)
        try:
            if not self.has(digest):
                return False
            manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
            # O_NOFOLLOW: a link planted in the entry's place is refused, never read.
            fd = os.open(entry / PACK, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as handle, zipfile.ZipFile(handle) as pack:
                names, root = pack.namelist(), target.resolve()
                if not isinstance(manifest, dict) or not manifest or sorted(names) != sorted(manifest) or len(set(names)) != len(names):
                    return False
                for rel in names:
                    out = (root / rel).resolve()
                    if not out.is_relative_to(root):
                        raise ValueError(rel)
                    data = pack.read(rel)
                    if hashlib.sha256(data).hexdigest() != manifest[rel]:
                        raise ValueError(rel)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(data)
            return True
        except (OSError, ValueError, UnicodeDecodeError, zipfile.BadZipFile):
            shutil.rmtree(target, ignore_errors=True)
            return False

    def store(self, digest: str, bundle: Path) -> None:
        """Keep a fresh shard's bundle (packed; another build may store the same digest at once)."""
        entry = self._entry(digest)
        tmp = self.folder / f".{digest}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        try:
            tmp.mkdir(parents=True)
            manifest = {}
            with zipfile.ZipFile(tmp / PACK, "w", zipfile.ZIP_STORED) as pack:
                for rel, path in sorted(_files(bundle).items()):
                    data = path.read_bytes()
                    manifest[rel] = hashlib.sha256(data).hexdigest()
                    pack.writestr(zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0)), data)
            (tmp / MANIFEST).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
            if entry.is_symlink() or entry.is_file():
                entry.unlink()
            elif entry.exists():
                shutil.rmtree(entry)  # a damaged entry
            tmp.rename(entry)
        except OSError:
            pass  # a cache that cannot be written costs the next build time, nothing else
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def keep_only(self, digests: set[str]) -> None:
        """Remove every entry this build did not use (and leftovers of stopped builds)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name in digests and not path.is_symlink():
                continue
            if path.name.startswith(".") and f".{os.getpid()}." not in path.name:
                # Another process may be storing right now; its leftovers go when it is dead.
                pid = path.name.split(".")[2] if path.name.count(".") >= 3 else ""
                if pid.isdigit() and pid_alive(int(pid)):
                    continue
            if path.is_symlink() or path.is_file():
                path.unlink(missing_ok=True)
            else:
                shutil.rmtree(path, ignore_errors=True)

