"""Index: the whoosh full-text index of the works in force in one edition.

Title, summary and body are analysed by `search.analysis` (jieba words
plus character bigrams, so "ISOFIX接口" is found by "ISOFIX" and by "接口",
and 第二排 inside 第二排放平); the facets are
keyword fields holding slugs. The index lives in the cache folder and is
updated incrementally: each document carries a hash of exactly what was
indexed, so an edit re-indexes that work alone.

Example:
    >>> ix = open_index(Path(".cache/koc"), Audience.INTERNAL)   # doctest: +SKIP
    >>> sync_index(ix, docs).added                                # doctest: +SKIP
    ['2025-l7-camping']
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from generator.search.analysis import ChineseAnalyzer
from generator.model import Audience, Work

# Bump when the schema, the analysis or its module path changes: the cached index is then rebuilt.
SCHEMA_VERSION = 8  # 8: the analyzer moved to generator.search.analysis (the schema pickles its path)



def make_schema() -> Schema:
    analyzer = ChineseAnalyzer()
    keyword = dict(stored=True, commas=True, scorable=False)
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        digest=STORED,
        title=TEXT(analyzer=analyzer, stored=True, phrase=False),
        summary=TEXT(analyzer=analyzer, stored=True, phrase=False),
        body=TEXT(analyzer=analyzer, stored=True, phrase=False),
        type=ID(stored=True),
        scenario=KEYWORD(**keyword),
        model=KEYWORD(**keyword),
        tag=KEYWORD(**keyword),
        contributor=KEYWORD(**keyword),
        use=KEYWORD(**keyword),
        year=ID(stored=True),
        status=ID(stored=True),
        featured=BOOLEAN(stored=True),
        score=NUMERIC(int, stored=True, sortable=True, default=0),
        date=ID(stored=True, sortable=True),
    )


def work_document(work: Work, tag_slug) -> dict:
    """The indexed fields of one work; `tag_slug` maps a tag label to its slug."""
    doc = {
        "id": work.id,
        "title": work.title,
        "summary": work.summary,
        "body": work.body,
        "type": work.type.value,
        "scenario": ",".join(work.scenarios),
        "model": ",".join(work.models),
        "tag": ",".join(tag_slug(t) for t in work.tags),
        "contributor": ",".join(work.contributor_ids),
        "use": ",".join(u.value for u in work.rights.uses),
        "year": str(work.year),
        "status": work.status.value,
        "featured": work.featured,
        "score": work.evaluation.score if work.evaluation and work.evaluation.score else 0,
        "date": work.date.isoformat(),
    }
    doc["digest"] = hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]
    return doc


@dataclass
class SyncReport:
    """What one `sync_index` call wrote: ids added (new or changed) and deleted."""

    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0


def index_dir(cache_dir: Path, audience: Audience) -> Path:
    return Path(cache_dir) / "whoosh" / audience.value


def open_index(cache_dir: Path, audience: Audience) -> tuple[index.Index, bool]:
    """Open the cached index of an edition, creating it anew when the schema changed."""
    folder = index_dir(cache_dir, audience)
    stamp = folder / "SCHEMA_VERSION"
    if folder.exists() and (not stamp.exists() or stamp.read_text().strip() != str(SCHEMA_VERSION)):
        shutil.rmtree(folder)
    if folder.exists() and index.exists_in(str(folder)):
        return index.open_dir(str(folder)), False
    folder.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(folder), make_schema())
    stamp.write_text(str(SCHEMA_VERSION))
    return ix, True


def sync_index(ix: index.Index, docs: list[dict], procs: int = 1) -> SyncReport:
    """Make the index hold exactly `docs`, writing only what changed."""
    report = SyncReport()
    wanted = {d["id"]: d for d in docs}
    with ix.searcher() as searcher:
        present = {f["id"]: f["digest"] for f in searcher.all_stored_fields()}
    stale = sorted(i for i, digest in present.items() if wanted.get(i, {}).get("digest") != digest)
    fresh = sorted(i for i, d in wanted.items() if present.get(i) != d["digest"])
    report.unchanged = len(wanted) - len(fresh)
    if not stale and not fresh:
        return report
    # Several processes only pay off for a large batch (a first build).
    multi = procs > 1 and len(fresh) >= 200
    writer = ix.writer(procs=procs, multisegment=True, limitmb=256) if multi else ix.writer(limitmb=128)
    try:
        for wid in stale:
            writer.delete_by_term("id", wid)
        for wid in fresh:
            writer.add_document(**wanted[wid])
        writer.commit(optimize=False)
    except BaseException:
        writer.cancel()
        raise
    report.deleted = stale
    report.added = fresh
    return report

