"""The cheaper write path (generator/search/stream_write.py) writes the index whoosh's stock path writes.

The same documents are indexed twice, once with the stock `content` field
(TEXT with the stream analyzer, positions) through whoosh's own writers, once
through `sync_index`; then every term's postings (documents, weights,
positions), its term statistics, every field length and every stored field are
compared, and for one process the segment files byte for byte.
"""

from __future__ import annotations

import pickle
import random

import pytest
from whoosh import index
from whoosh.fields import TEXT

from generator.search.analysis import Analyzer, SearchVocabulary, StreamAnalyzer, VocabEntry
from generator.search.index import _purge_deleted, make_schema, sync_index
from generator.search.stream_write import StreamSegmentWriter

pytestmark = pytest.mark.slow  # writes several whoosh indexes

VOCAB = SearchVocabulary([VocabEntry("model", "xingtu-l7", "星途L7", ("L7",)),
                          VocabEntry("scenario", "camping", "露营", ("野营",)),
                          VocabEntry("tag", "isofix", "ISOFIX接口")])
CHARS = "安全座椅后排露营车机升级第三排空间孩子睡得很香雨天收纳湿衣服防水布星途"
LATIN = ["l7", "isofix", "ota", "360", "s5", "ev"]


def _text(rng: random.Random, n: int) -> str:
    parts = []
    for _ in range(n):
        if rng.random() < 0.15:
            parts.append(rng.choice(LATIN + ["星途L7", "野营", "ISOFIX接口"]))
        else:
            parts.append("".join(rng.choice(CHARS) for _ in range(rng.randint(1, 6))))
        parts.append(rng.choice(["", " ", "，", "。"]))
    return "".join(parts)


def _docs(n: int, seed: int = 7) -> list[dict]:
    """Documents of our schema, their streams made by the library's analysis; one is very long
    (positions past 255 and 65,535 are pickled otherwise), one has no text."""
    rng, analyzer = random.Random(seed), Analyzer(VOCAB)
    docs = []
    for i in range(n):
        words = 30_000 if i == 3 else 0 if i == 5 else rng.randint(5, 400)
        title, body = _text(rng, 4), _text(rng, words)
        docs.append({
            "id": f"w{i:04d}", "digest": f"d{i}", "content": analyzer.work_stream(title, "", body, []) if words else "",
            "title": title, "summary": "", "body": body, "type": rng.choice(["article", "video"]),
            "scenario": ",".join(rng.sample(["camping", "family", "city"], rng.randint(0, 2))),
            "model": "xingtu-l7", "tag": ",".join(rng.sample(["isofix", "ota", "rear"], rng.randint(0, 3))),
            "contributor": "alice,bob" if i % 3 else "carol", "use": "training", "year": str(2020 + i % 6),
            "status": "published", "featured": i % 4 == 0, "score": i % 6, "date": f"2025-0{1 + i % 9}-1{i % 10}",
        })
    return docs


def _stock_schema():
    schema = make_schema()
    schema.remove("content")
    schema.add("content", TEXT(analyzer=StreamAnalyzer(), phrase=True))
    return schema


def _stock_index(folder, docs: list[dict], procs: int = 1):
    folder.mkdir()
    ix = index.create_in(str(folder), _stock_schema())
    # Whoosh's writer processes open the index by name; generator.search.index makes every such
    # open read our schema, so here they read the schema the index was made with.
    real, index.pickle = index.pickle, pickle
    try:
        writer = ix.writer(procs=procs, multisegment=True, limitmb=256) if procs > 1 else ix.writer(limitmb=128)
        for doc in sorted(docs, key=lambda d: d["id"]):  # the order sync_index adds them in
            writer.add_document(**doc)
        writer.commit(optimize=False)
    finally:
        index.pickle = real
    return ix


def _our_index(folder, docs: list[dict], procs: int = 1):
    folder.mkdir()
    ix = index.create_in(str(folder), make_schema())
    sync_index(ix, docs, procs=procs)
    return ix


def _contents(ix) -> dict:
    """Everything the index holds, by work id (document numbers differ between segmentations)."""
    out: dict = {"terms": {}, "lengths": {}, "stored": {}, "totals": {}}
    with ix.reader() as reader:
        ids = {n: reader.stored_fields(n)["id"] for n in reader.all_doc_ids()}
        for fieldname, btext in reader.all_terms():
            ti = reader.term_info(fieldname, btext)
            matcher = reader.postings(fieldname, btext)
            postings = []
            while matcher.is_active():
                positions = matcher.value_as("positions") if fieldname == "content" else None
                postings.append((ids[matcher.id()], matcher.weight(), matcher.value(), positions))
                matcher.next()
            out["terms"][(fieldname, btext)] = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(),
                                                ti.max_weight(), sorted(postings))
        scorable = [name for name, f in ix.schema.items() if f.scorable]
        for n, wid in ids.items():
            out["stored"][wid] = reader.stored_fields(n)
            out["lengths"][wid] = {f: reader.doc_field_length(n, f) for f in scorable}
        out["totals"] = {f: (reader.field_length(f), reader.min_field_length(f), reader.max_field_length(f)) for f in scorable}
        out["docs"] = (reader.doc_count(), reader.doc_count_all())
    return out


def _segment_files(ix) -> dict[str, bytes]:
    """The files of the index's one segment, named without the segment's random id."""
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage)
    out = {}
    for name in files.list():
        with files.open_file(name) as f:
            out[name.replace(segment.segment_id(), "SEG")] = f.read()
    return out


def test_one_process_writes_the_same_segment(tmp_path):
    docs = _docs(300)
    stock, ours = _stock_index(tmp_path / "stock", docs), _our_index(tmp_path / "ours", docs)
    expected, got = _contents(stock), _contents(ours)
    assert len(expected["terms"]) > 500 and any(len(t[5]) > 128 for t in expected["terms"].values())  # several blocks
    assert max(max(p[3]) for k, t in expected["terms"].items() if k[0] == "content" for p in t[5]) > 65_535
    assert got == expected
    assert _segment_files(ours) == _segment_files(stock)


def test_a_pool_past_its_memory_limit_writes_the_same_segment(tmp_path):
    # At 1 MB the pool spills ~10 sorted runs to disk and merges them (4,000 works do at 128 MB).
    docs = _docs(300, seed=5)
    stock = index.create_in(str(tmp_path), _stock_schema(), indexname="STOCK")
    ours = index.create_in(str(tmp_path), make_schema(), indexname="OURS")
    writers = {"stock": stock.writer(limitmb=1), "ours": StreamSegmentWriter(ours, limitmb=1)}
    for doc in docs:
        for writer in writers.values():
            writer.add_document(**doc)
    assert len(writers["ours"].pool.runs) >= 5 and len(writers["stock"].pool.runs) >= 5
    for writer in writers.values():
        writer.commit()
    assert _contents(ours) == _contents(stock)
    assert _segment_files(ours) == _segment_files(stock)


def test_writer_processes_write_the_same_index(tmp_path):
    docs = _docs(450, seed=11)
    stock, ours = _stock_index(tmp_path / "stock", docs, procs=2), _our_index(tmp_path / "ours", docs, procs=2)
    assert len(ours._segments()) == 2  # both writer processes wrote a segment
    assert _contents(ours) == _contents(stock)


def test_an_update_purges_and_adds_the_same(tmp_path):
    docs = _docs(260, seed=3)
    stock, ours = _stock_index(tmp_path / "stock", docs), _our_index(tmp_path / "ours", docs)
    edited = [dict(d, content=d["content"] + " 新词 l7", digest=d["digest"] + "x") if i % 7 == 0 else d
              for i, d in enumerate(docs) if i % 5]
    report = sync_index(ours, edited)
    assert report.deleted and report.added
    writer = stock.writer(limitmb=128)
    for wid in report.deleted:
        writer.delete_by_term("id", wid)
    for doc in sorted((d for d in edited if d["id"] in set(report.added)), key=lambda d: d["id"]):
        writer.add_document(**doc)
    writer.commit(mergetype=_purge_deleted)
    assert _contents(ours) == _contents(stock)
    assert _segment_files(ours) == _segment_files(stock)


def test_the_fast_path_differs_when_the_postings_differ(tmp_path):
    # The comparison can fail: one token more in one document is seen.
    docs = _docs(20)
    changed = [dict(d, content=d["content"] + " l7") if d["id"] == "w0001" else d for d in docs]
    assert _contents(_our_index(tmp_path / "ours", changed)) != _contents(_stock_index(tmp_path / "stock", docs))


def test_a_large_first_index_comes_in_segments_and_an_edit_rewrites_only_its_own(tmp_path, monkeypatch):
    import generator.search.index as search_index

    monkeypatch.setattr(search_index, "SEGMENT_DOCS", 40)
    docs = _docs(200, seed=5)
    ours = _our_index(tmp_path / "ours", docs)
    before = {s.segment_id(): s.doc_count_all() for s in ours._segments()}
    assert sorted(before.values()) == [40] * 5  # the first build: five segments of 40
    assert _contents(ours) == _contents(_stock_index(tmp_path / "stock", docs))
    # One work edited: the segment that held its old text is rewritten, the other four are kept.
    old_text = docs[57]["body"]
    edited = [dict(d, content=d["content"] + " 新词", body=d["body"] + "改", digest="new") if i == 57 else d for i, d in enumerate(docs)]
    sync_index(ours, edited)
    ours = index.open_dir(ours.storage.folder, schema=make_schema())
    after = {s.segment_id(): s.doc_count_all() for s in ours._segments()}
    assert len(set(before) & set(after)) == 4 and not any(s.has_deletions() for s in ours._segments())
    with ours.searcher() as searcher:
        assert [f["body"] for f in searcher.all_stored_fields() if f["id"] == "w0057"] == [old_text + "改"]
    # New works, one per build, add a small segment each; past eight they are folded together,
    # never into the large segments.
    extra = _docs(212, seed=9)[200:]
    for k in range(12):
        edited = edited + [dict(extra[k], id=f"new{k:02d}")]
        sync_index(ours, edited)
        ours = index.open_dir(ours.storage.folder, schema=make_schema())
        sizes = sorted(s.doc_count_all() for s in ours._segments())
        assert sum(sizes) == 201 + k and len([n for n in sizes if n < 10]) <= 9 and sizes.count(40) >= 4, sizes
    assert len([n for n in sizes if n < 10]) < 12  # folded at least once
