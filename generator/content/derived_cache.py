"""Per-work derived data cached on disk by content hash, across builds.

A work whose text has not changed is not parsed or rendered again: its key
is a hash of everything its result depends on, so a stale entry is never
read. Entries live in one SQLite file (thousands of small files cost more to
create than the bodies cost to render); new entries are written in one
transaction when the caller is done with the store, so parallel builds
never wait long.

The cache is data, never code: values are stored as JSON with a tag for
each type JSON lacks (`cache_codec`), so a planted entry can at worst be a
wrong value of a known type, and any entry that does not decode, or a file
SQLite cannot read, is only a miss. A corrupt file is started again.

Entries may be sealed with the very text they were derived from (`secret`):
the stored bytes are then XORed with a SHAKE-256 keystream of that text, so the
cache reveals a work's words only to whoever already has them. A work taken
offline (or deleted) leaves nothing readable behind, even in an entry that is
never looked up again.

Example:
    >>> with DerivedCache(Path(".cache/koc")) as cache:                               # doctest: +SKIP
    ...     cache.get("body", ["v1", body, hosts], lambda: {"html": "..."})
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any, Callable

from generator.content.cache_codec import CacheCodecError, decode, encode

MISSING = object()  # what `lookup` returns for an absent entry

# SQLite result codes that mean the file itself is damaged (not busy, not locked).
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


class DerivedCache:
    def __init__(self, cache_dir: Path):
        self.path = Path(cache_dir) / "derived.sqlite"
        self._db: sqlite3.Connection | None = None
        self._new: dict[tuple[str, str], str | bytes] = {}
        self._gone: set[tuple[str, str]] = set()
        self._broken = False  # unusable this run (e.g. locked for too long): every lookup misses

    def get(self, kind: str, key_parts: list, compute: Callable[[], Any], secret: bytes | None = None) -> Any:
        value = self.lookup(kind, key_parts, secret)
        if value is MISSING:
            value = compute()
            self.put(kind, key_parts, value, secret)
        return value

    def lookup(self, kind: str, key_parts: list, secret: bytes | None = None) -> Any:
        """The stored value, or `MISSING`."""
        db = self._connect()
        if db is None:
            return MISSING
        try:
            row = db.execute("SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, _key(key_parts))).fetchone()
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            return MISSING
        if row is None:
            return MISSING
        try:
            stored = row[0]
            if secret is not None:
                if not isinstance(stored, bytes):
                    return MISSING
                stored = _seal(stored, kind, secret).decode("utf-8")
            return decode(stored)
        except (CacheCodecError, ValueError, TypeError, KeyError, RecursionError):
            return MISSING  # an unreadable entry is only a miss; it is written anew

    def put(self, kind: str, key_parts: list, value: Any, secret: bytes | None = None) -> None:
        try:
            text = encode(value)
            self._new[(kind, _key(key_parts))] = text if secret is None else _seal(text.encode("utf-8"), kind, secret)
        except (CacheCodecError, RecursionError):
            pass  # a value of a type the cache does not store is recomputed next time

    def delete(self, kind: str, key_parts: list) -> None:
        """Forget an entry (and overwrite its bytes in the file: secure_delete)."""
        self._gone.add((kind, _key(key_parts)))
        self._new.pop((kind, _key(key_parts)), None)

    def close(self) -> None:
        """Write what was computed, in one transaction."""
        if not (self._new or self._gone):
            self._disconnect()
            return
        for _ in range(2):
            db = self._connect()
            if db is None:
                break
            try:
                with db:
                    db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", sorted(self._gone))
                    db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                                   [(k, key, v) for (k, key), v in self._new.items()])
                break
            except sqlite3.DatabaseError as exc:
                self._damaged(exc)
        self._disconnect()
        self._new, self._gone = {}, set()

    def __enter__(self) -> DerivedCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _disconnect(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    def _damaged(self, exc: sqlite3.DatabaseError) -> None:
        """A damaged file is started again; a busy or failing one is left alone for this run."""
        self._disconnect()
        if getattr(exc, "sqlite_errorcode", None) in _DAMAGED or "malformed" in str(exc) or "not a database" in str(exc):
            self._reset()
        else:
            self._broken = True

    def _reset(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for _ in range(2):
                try:
                    self._db = self._open()
                    break
                except sqlite3.DatabaseError as exc:
                    self._damaged(exc)
                    if self._broken:
                        break
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            # Deleted entries (works gone out of force) leave no readable text in the file.
            db.execute("PRAGMA secure_delete=ON")
            db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except BaseException:
            db.close()
            raise
        return db


def _seal(data: bytes, kind: str, secret: bytes) -> bytes:
    """XOR with a keystream of the source text: the same call seals and unseals."""
    stream = hashlib.shake_256(b"koc-derived-cache\0" + kind.encode() + b"\0" + secret).digest(len(data))
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(len(data), "little")


def _key(key_parts: list) -> str:
    return hashlib.sha256(json.dumps(key_parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:32]
