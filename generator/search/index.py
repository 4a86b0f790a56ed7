"""Index: the whoosh full-text index of the works in force in one edition.

One text field, `content`, holds the work's token stream from
`analysis.Analyzer.work_stream` (title, summary, body, and the labels and
aliases of its facets and its contributors' names), with positions, the very
stream the browser's Pagefind bundle holds; title, summary and body are
stored for excerpts. The facets are keyword fields holding slugs. The index lives in the cache folder and is
updated incrementally: each document carries a hash of exactly what was
indexed, so an edit re-indexes that work alone.

The cache folder is not trusted to be intact: `update_index` holds a lock
per edition (two builds at once wait for each other, with a message), checks
every index file against the hashes written after the last update, and
rebuilds the index from the works whenever a file is damaged or unreadable.
Whoosh keeps its segment list and stored fields as pickles; they are read
with an unpickler that builds only the few classes an index holds, so a
planted file cannot run code. Deleted documents (a work gone out of force,
or the old text of an edited one) are removed from the files at once, not
just hidden: their segments are rewritten.

Example:
    >>> ix, report = update_index(Path(".cache/koc"), Audience.INTERNAL, docs)   # doctest: +SKIP
    >>> report.added                                                                      # doctest: +SKIP
    ['2025-l7-camping']
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import whoosh.codec.whoosh3
import whoosh.filedb.structfile
from whoosh import index
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, Schema

from generator.search.stream_write import StreamMpWriter, StreamSegmentWriter, StreamText
from generator.model import AUDIENCE_LABELS, Audience, Work

# Bump when the schema, the analysis or its module path changes: the cached index is then rebuilt.
SCHEMA_VERSION = 11  # 9: one pre-analysed `content` stream (issue 12); 10: no segmenter words; 11: the digest is a column
# (stream_write.py writes the very files whoosh's stock writer wrote: no bump for it)



def make_schema() -> Schema:
    keyword = dict(stored=True, commas=True, scorable=False)
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        # A column too: an update reads every work's digest without unpickling its stored text
        # (at 50,000 works that read took ~0.5 GB more than the rest of a build after an edit).
        digest=ID(stored=True, sortable=True),
        content=StreamText(),  # TEXT(analyzer=StreamAnalyzer(), phrase=True), written faster
        title=STORED,
        summary=STORED,
        body=STORED,
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


def work_document(work: Work, tag_slug, stream: str | None = None) -> dict:
    """The indexed fields of one work; `tag_slug` maps a tag label to its slug, `stream` is its
    analysed text (`edition_index.work_streams`; without it, its text analysed without a vocabulary)."""
    if stream is None:
        from generator.search.analysis import Analyzer, SearchVocabulary

        stream = Analyzer(SearchVocabulary([])).work_stream(work.title, work.summary if work.summary_given else "", work.body, [])
    doc = {
        "id": work.id,
        "content": stream,
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
    """What one `sync_index` call wrote: ids added (new or changed) and deleted; `skipped` when
    there was no index to keep up to date and the build did not need one (`index_wanted`)."""

    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: bool = False


def index_dir(cache_dir: Path, audience: Audience) -> Path:
    return Path(cache_dir) / "whoosh" / audience.value


def index_exists(cache_dir: Path, audience: Audience) -> bool:
    """Is there an index of this edition (whole or not) to keep up to date?"""
    folder = index_dir(cache_dir, audience)
    return folder.is_dir() and any(folder.glob("_MAIN_*.toc"))


def open_index(cache_dir: Path, audience: Audience) -> index.Index:
    """Open the cached index of an edition, creating it anew when the schema changed.

    The schema is our own (never the one pickled in the index), and the files
    must match the manifest written after the last update; else a new index.
    """
    folder = index_dir(cache_dir, audience)
    stamp = folder / "SCHEMA_VERSION"
    if folder.exists() and not (_read(stamp) == str(SCHEMA_VERSION) and _manifest_matches(folder)):
        _remove(folder)
    # (not index.exists_in: it would read the pickled schema)
    if folder.exists() and any(folder.glob("_MAIN_*.toc")):
        return index.open_dir(str(folder), schema=make_schema())
    _remove(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(folder), make_schema())
    stamp.write_text(str(SCHEMA_VERSION))
    write_manifest(folder)
    return ix


def update_index(cache_dir: Path, audience: Audience, docs: list[dict], procs: int = 1) -> tuple[index.Index, SyncReport]:
    """Open, check and bring up to date the edition's index; a damaged one is rebuilt from `docs`."""
    with index_lock(cache_dir, audience):
        try:
            ix = open_index(cache_dir, audience)
            report = sync_index(ix, docs, procs=procs)
            _read_back(ix, docs)
        except index.LockError:
            raise
        except Exception:  # noqa: BLE001 - whatever a damaged file raises, the cure is a new index
            _remove(index_dir(cache_dir, audience))
            ix = open_index(cache_dir, audience)
            report = sync_index(ix, docs, procs=procs)
        write_manifest(index_dir(cache_dir, audience))
    return ix, report


def _read_back(ix: index.Index, docs: list[dict]) -> None:
    """The update read every stored field already; the count must agree too."""
    with ix.searcher() as searcher:
        if searcher.doc_count() != len(docs):
            raise ValueError("index holds other documents than the library")


@contextlib.contextmanager
def index_lock(cache_dir: Path, audience: Audience):
    """One writer per edition's index across processes; others wait (and say so)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: whoosh's own write lock still guards the files
        yield
        return
    path = Path(cache_dir) / "whoosh" / f"{audience.value}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"另一个 koc 进程正在更新{AUDIENCE_LABELS[audience]}的检索索引，等待它完成……",
                  file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


MANIFEST = "manifest.json"


def write_manifest(folder: Path) -> None:
    """The hash of every index file, as the last update left it."""
    hashes = {p.name: _hash(p) for p in sorted(Path(folder).iterdir()) if _indexed_file(p)}
    tmp = Path(folder) / f".{MANIFEST}.{os.getpid()}"
    tmp.write_text(json.dumps(hashes, sort_keys=True), encoding="utf-8")
    tmp.replace(Path(folder) / MANIFEST)


def _manifest_matches(folder: Path) -> bool:
    try:
        expected = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        present = {p.name for p in folder.iterdir() if _indexed_file(p)}
        return isinstance(expected, dict) and set(expected) == present and all(_hash(folder / n) == h for n, h in expected.items())
    except (OSError, ValueError):
        return False


def _indexed_file(p: Path) -> bool:
    # The write lock is whoosh's, and changes while a writer is open.
    return p.is_file() and p.name not in (MANIFEST, "MAIN_WRITELOCK") and not p.name.startswith(".")


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _remove(folder: Path) -> None:
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)


def sync_index(ix: index.Index, docs: list[dict], procs: int = 1) -> SyncReport:
    """Make the index hold exactly `docs`, writing only what changed."""
    report = SyncReport()
    wanted = {d["id"]: d for d in docs}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        present = {}
        if reader.doc_count_all():  # (an empty index has no columns)
            ids, digests = reader.column_reader("id"), reader.column_reader("digest")
            present = {ids[n]: digests[n] for n in reader.all_doc_ids()}
    stale = sorted(i for i, digest in present.items() if wanted.get(i, {}).get("digest") != digest)
    fresh = sorted(i for i, d in wanted.items() if present.get(i) != d["digest"])
    report.unchanged = len(wanted) - len(fresh)
    if not stale and not fresh:
        return report
    # Segments of at most SEGMENT_DOCS works: an edit later rewrites only the segment that held
    # the old text (`_purge_deleted`), ~1 s, where one segment of a first build's half of the
    # library cost a build after one edit ~20 CPU seconds at 5,000 works.
    step = SEGMENT_DOCS * max(1, procs)
    batches = [fresh[i:i + step] for i in range(0, len(fresh), step)] or [[]]
    for n, batch in enumerate(batches):
        deleting = stale if n == 0 else []
        # Several processes only pay off for a large batch (a first build).
        multi = procs > 1 and len(batch) >= 200 and not deleting
        # ix.writer(…), with the cheaper write path of stream_write.py
        writer = StreamMpWriter(ix, procs=procs, multisegment=True, limitmb=256) if multi else StreamSegmentWriter(ix, limitmb=128)
        try:
            for wid in deleting:
                writer.delete_by_term("id", wid)
            for wid in batch:
                writer.add_document(**wanted[wid])
            writer.commit(mergetype=_purge_deleted if deleting else _fold_small)
        except BaseException:
            writer.cancel()
            raise
    report.deleted = stale
    report.added = fresh
    return report



# Works per segment of the index (see sync_index).
SEGMENT_DOCS = 500


def _purge_deleted(writer, segments):
    """Merge policy: rewrite every segment that holds deleted documents, so their
    stored text leaves the files (whoosh only marks them deleted), then `_fold_small`."""
    from whoosh.reading import SegmentReader

    kept = []
    for segment in segments:
        if segment.has_deletions():
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        else:
            kept.append(segment)
    return _fold_small(writer, kept)


def _fold_small(writer, segments):
    """Merge policy: keep the large segments as they are (whoosh's default would merge most
    of a large library's segments), and fold the small ones that edits add into the new
    segment once there are more than a few."""
    from whoosh.reading import SegmentReader

    small = [s for s in segments if s.doc_count_all() < SEGMENT_DOCS // 4]
    if len(small) <= 8:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in small]


# -- reading whoosh's pickles without letting them run code --

def _latin1_encode(text, encoding="latin1", errors="strict"):
    # Protocol-2 pickles spell bytes as _codecs.encode(str, "latin1"); nothing else is allowed.
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError("unexpected encode in an index file")
    return text.encode("latin1", errors)


class _IndexUnpickler(pickle.Unpickler):
    """Builds only what a whoosh index of our schema stores."""

    _ALLOWED = {
        ("whoosh.codec.whoosh3", "W3Segment"), ("whoosh.codec.whoosh3", "W3Codec"),
        ("collections", "defaultdict"), ("builtins", "int"), ("__builtin__", "int"), ("__builtin__", "long"),
        ("builtins", "set"), ("builtins", "frozenset"), ("__builtin__", "set"), ("__builtin__", "frozenset"),
    }

    def find_class(self, module, name):
        if (module, name) == ("_codecs", "encode"):
            return _latin1_encode
        if (module, name) in self._ALLOWED:
            target = {"__builtin__": "builtins"}.get(module, module)
            value = getattr(sys.modules.get(target) or __import__(target), "int" if name == "long" else name)
            return value
        raise pickle.UnpicklingError(f"index files may not name {module}.{name}")


def _safe_load(file, *args, **kwargs):
    return _IndexUnpickler(file).load()


def _safe_loads(data, *args, **kwargs):
    return _IndexUnpickler(io.BytesIO(data)).load()


def _our_schema(data, *args, **kwargs) -> Schema:
    # Every index in the cache is ours (SCHEMA_VERSION says which): its pickled
    # schema is never read. Whoosh's writer processes open the index without
    # passing a schema, so this also answers them.
    return make_schema()


class _PickleForWhoosh:
    """What `whoosh.index` calls `pickle`: it writes the schema, and reads it only through `_our_schema`."""

    dumps = staticmethod(pickle.dumps)
    PicklingError = pickle.PicklingError
    loads = staticmethod(_our_schema)


whoosh.filedb.structfile.load_pickle = _safe_load
whoosh.codec.whoosh3.loads = _safe_loads
index.pickle = _PickleForWhoosh
