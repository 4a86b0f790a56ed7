"""Per-work derived data cached on disk by content hash, across builds.

A work whose text has not changed is not parsed or rendered again: its key
is a hash of everything its result depends on, so a stale entry is never
read. Entries live in one SQLite file (thousands of small files cost more to
create than the bodies cost to render); new entries are written in one
transaction when the caller is done with the store, so parallel builds
never wait long. Values are pickled: the cache is the project's own folder.

Example:
    >>> with DerivedCache(Path(".cache/koc")) as cache:                               # doctest: +SKIP
    ...     cache.get("body", ["v1", body, hosts], lambda: {"html": "..."})
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sqlite3
from pathlib import Path
from typing import Any, Callable

MISSING = object()  # what `lookup` returns for an absent entry


class DerivedCache:
    def __init__(self, cache_dir: Path):
        self.path = Path(cache_dir) / "derived.sqlite"
        self._db: sqlite3.Connection | None = None
        self._new: dict[tuple[str, str], bytes] = {}

    def get(self, kind: str, key_parts: list, compute: Callable[[], Any]) -> Any:
        value = self.lookup(kind, key_parts)
        if value is MISSING:
            value = compute()
            self.put(kind, key_parts, value)
        return value

    def lookup(self, kind: str, key_parts: list) -> Any:
        """The stored value, or `MISSING`."""
        row = self._connect().execute("SELECT value FROM entries WHERE kind = ? AND key = ?",
                                      (kind, _key(key_parts))).fetchone()
        if row is not None:
            try:
                return pickle.loads(row[0])
            except Exception:  # noqa: BLE001 - an unreadable entry is only a miss
                pass
        return MISSING

    def put(self, kind: str, key_parts: list, value: Any) -> None:
        self._new[(kind, _key(key_parts))] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def close(self) -> None:
        """Write what was computed, in one transaction."""
        if self._db is None:
            return
        try:
            if self._new:
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                                         [(k, key, v) for (k, key), v in self._new.items()])
        finally:
            self._db.close()
            self._db, self._new = None, {}

    def __enter__(self) -> DerivedCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open()
            except sqlite3.DatabaseError:
                # A damaged cache is only a cache: start it again.
                self.path.unlink(missing_ok=True)
                self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))")
        return db


def _key(key_parts: list) -> str:
    return hashlib.sha256(json.dumps(key_parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:32]
