"""Cache values as JSON: data only, and exactly the value that was stored.

Pickle would run whatever a planted cache entry names; this codec knows a
closed list of types and builds nothing else. JSON has no dates, tuples, sets,
bytes or non-string keys, and the parse cache stores line-aware YAML
(`LineDict`, `LineList`, with the line of each key), so every value that is
not a JSON string, number, boolean, null or list is written as an object
tagged with its type: `{"$": "date", "v": "2026-01-10"}`.

Example:
    >>> decode(encode({"d": dt.date(2026, 1, 10), "t": (1, "a")}))
    {'d': datetime.date(2026, 1, 10), 't': (1, 'a')}
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import importlib
import json
from pathlib import Path

from generator.content.yaml_source import LineDict, LineList


class CacheCodecError(ValueError):
    """A value the cache does not store, or an entry that is not one of its own."""


# Dataclasses the cache may hold, by tag → (module, class). Looked up only in
# this table: an entry cannot name any other class.
_DATACLASSES = {
    "Problem": ("generator.problems", "Problem"),
    "WorkSource": ("generator.content.load", "WorkSource"),
    "YamlSource": ("generator.content.load", "YamlSource"),
}


def _dataclass(tag: str) -> type:
    module, name = _DATACLASSES[tag]
    return getattr(importlib.import_module(module), name)


def encode(value) -> str:
    return json.dumps(_enc(value), ensure_ascii=False, separators=(",", ":"), allow_nan=True)


def decode(text: str):
    if not isinstance(text, str):
        raise CacheCodecError("not a JSON cache entry")  # e.g. a pickle from an older version
    return _dec(json.loads(text))


def _enc(v):
    # Exact types first: bool is an int, LineDict a dict, datetime a date.
    t = type(v)
    if v is None or t in (bool, int, float, str):
        return v
    if t is list:
        return [_enc(x) for x in v]
    if t is dict:
        return {"$": "dict", "items": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if t is LineDict:
        return {"$": "LineDict", "items": [[_enc(k), _enc(x)] for k, x in v.items()], "line": v.line,
                "lines": [[_enc(k), n] for k, n in v.lines.items()], "duplicates": [[k, n] for k, n in v.duplicates]}
    if t is LineList:
        return {"$": "LineList", "items": [_enc(x) for x in v], "line": v.line, "lines": list(v.lines)}
    if t is tuple:
        return {"$": "tuple", "items": [_enc(x) for x in v]}
    if t in (set, frozenset):
        return {"$": t.__name__, "items": [_enc(x) for x in v]}
    if t is dt.datetime:
        return {"$": "datetime", "v": v.isoformat()}
    if t is dt.date:
        return {"$": "date", "v": v.isoformat()}
    if t is bytes:
        return {"$": "bytes", "v": base64.b64encode(v).decode("ascii")}
    if isinstance(v, Path):
        return {"$": "path", "v": str(v)}
    if dataclasses.is_dataclass(v) and t.__name__ in _DATACLASSES and _dataclass(t.__name__) is t:
        return {"$": t.__name__, "f": {f.name: _enc(getattr(v, f.name)) for f in dataclasses.fields(v)}}
    raise CacheCodecError(f"the cache does not store {t.__name__}")


def _dec(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        return [_dec(x) for x in v]
    if not isinstance(v, dict):
        raise CacheCodecError("unknown JSON value")
    tag = v.get("$")
    if tag == "dict":
        return {_dec(k): _dec(x) for k, x in v["items"]}
    if tag == "LineDict":
        out = LineDict((_dec(k), _dec(x)) for k, x in v["items"])
        out.line = _int(v["line"])
        out.lines = {_dec(k): _int(n) for k, n in v["lines"]}
        out.duplicates = [(str(k), _int(n)) for k, n in v["duplicates"]]
        return out
    if tag == "LineList":
        out = LineList(_dec(x) for x in v["items"])
        out.line = _int(v["line"])
        out.lines = [_int(n) for n in v["lines"]]
        return out
    if tag == "tuple":
        return tuple(_dec(x) for x in v["items"])
    if tag in ("set", "frozenset"):
        return (set if tag == "set" else frozenset)(_dec(x) for x in v["items"])
    if tag == "datetime":
        return dt.datetime.fromisoformat(v["v"])
    if tag == "date":
        return dt.date.fromisoformat(v["v"])
    if tag == "bytes":
        return base64.b64decode(v["v"], validate=True)
    if tag == "path":
        if not isinstance(v["v"], str):
            raise CacheCodecError("bad path")
        return Path(v["v"])
    if tag in _DATACLASSES:
        cls = _dataclass(tag)
        names = {f.name for f in dataclasses.fields(cls)}
        fields = v["f"]
        if not isinstance(fields, dict) or set(fields) != names:
            raise CacheCodecError(f"{tag} entry with other fields")
        return cls(**{k: _dec(x) for k, x in fields.items()})
    raise CacheCodecError(f"unknown tag {tag!r}")


def _int(n) -> int:
    if type(n) is not int:
        raise CacheCodecError("a line number that is not a number")
    return n
