"""Per-work derived data cached on disk by content hash, across builds.

A work whose text has not changed is not rendered again: its key is a hash of
everything its result depends on, so a stale entry is never read.

Example:
    >>> cached_json(Path(".cache/koc"), "body", ["v1", body, hosts], lambda: {"html": "..."})   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable


def cached_json(cache_dir: Path, kind: str, key_parts: list, compute: Callable[[], dict]) -> dict:
    key = hashlib.sha256(json.dumps(key_parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:32]
    path = Path(cache_dir) / kind / key[:2] / f"{key}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)  # atomic: parallel builds never read half an entry
    return value
