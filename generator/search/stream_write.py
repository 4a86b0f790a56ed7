"""A cheaper whoosh write path for the `content` stream; the index it writes is the same.

The `content` field holds a pre-analysed token stream (`analysis.Analyzer.work_stream`):
tokens separated by spaces, one position per token, ~650 distinct per work. Whoosh's stock
path spends most of a cold index on per-posting machinery this stream does not need:
- `Positions.word_values` runs the analyzer, which makes a Token object per token;
  `StreamPositions` counts positions straight from `value.split()`;
- `PostingPool` sorts every posting, and past its memory limit (a few thousand works) pickles,
  reads back and heap-merges them one at a time; `GroupingPool` keeps them by term as columns,
  sorts the terms only, and spills one record per term;
- `FieldWriter.add_postings` reads the document's field length from a column once per
  posting and hands over postings one at a time; `LeanFieldWriter.add_groups` reads each
  field's lengths once per segment and adds a term's postings a block at a time.
Terms, postings, positions, weights, stored fields and field lengths are byte for byte
what the stock path writes (tests/test_search_write.py indexes the same documents both ways).
`sync_index` writes through `StreamSegmentWriter` (one process) or `StreamMpWriter` (several).
"""

from __future__ import annotations

from heapq import merge
from operator import itemgetter
from pickle import dump, load

import whoosh.multiproc
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PostingsWriter, W3Segment
from whoosh.fields import TEXT
from whoosh.formats import Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_uint
from whoosh.writing import PostingPool, SegmentWriter

from generator.search.analysis import StreamAnalyzer, StreamTokenizer


class StreamPositions(Positions):
    """Positions of a space-separated token stream, counted without the analyzer's Tokens.

    Only for what `StreamTokenizer` does at index time (split on whitespace, positions
    0, 1, 2, …); any other call (a list of words, a query, another analyzer) takes
    whoosh's own path. Same values as `Positions.word_values`: a token's boost is
    always 1.0, so its weight is its frequency times the field boost.
    """

    def word_values(self, value, analyzer, **kwargs):
        if not self._plain(value, analyzer, kwargs):
            return super().word_values(value, analyzer, **kwargs)
        return self.stream_values(value)

    @staticmethod
    def _plain(value, analyzer, kwargs) -> bool:
        return (isinstance(value, str) and type(analyzer) is StreamTokenizer
                and kwargs.get("mode", "") != "query" and not kwargs.get("start_pos"))

    def stream_values(self, value: str) -> list[tuple[str, int, float, bytes]]:
        """(term, frequency, weight, encoded positions) per distinct token."""
        poses: dict[str, list[int]] = {}
        for pos, word in enumerate(value.split()):
            found = poses.get(word)
            if found is None:
                poses[word] = [pos]
            else:
                found.append(pos)
        fb = self.field_boost
        single = _SINGLE
        out = []
        for word, poslist in poses.items():
            if len(poslist) == 1:
                # Most tokens occur once in a work: the pickle of [pos] is made once per pos. The
                # bytes are joined anew each time: whoosh pickles a block's values as a list, and
                # a repeated object would be written as a back-reference (a different file).
                pos = poslist[0]
                tail = single.get(pos)
                if tail is None:
                    tail = single[pos] = self.encode(poslist)[_ONE_LEN:]
                out.append((word, 1, fb * 1.0, _ONE + tail))
            else:
                out.append((word, len(poslist), float(len(poslist)) * fb, self.encode(poslist)))
        return out


# Positions.encode([pos]) is _ONE + _SINGLE[pos] (as many entries as the longest work has tokens).
_ONE = pack_uint(1)
_ONE_LEN = len(_ONE)
_SINGLE: dict[int, bytes] = {}


class StreamText(TEXT):
    """The `content` field: TEXT with `StreamAnalyzer` and positions, indexed by `StreamPositions`."""

    def __init__(self, **kwargs):
        super().__init__(analyzer=StreamAnalyzer(), phrase=True, **kwargs)
        self.format = StreamPositions(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        if not (isinstance(value, str) and StreamPositions._plain(value, self.analyzer, kwargs)):
            return super().index(value, **kwargs)
        # TEXT.index yields utf8encode(term)[0]: the same bytes as str.encode.
        return [(w.encode("utf-8"), f, wt, v) for w, f, wt, v in self.format.stream_values(value)]


class GroupingPool(PostingPool):
    """The writer's pool of postings, kept by (field, term) as columns (documents, weights,
    values). Whoosh's PostingPool sorts every posting (~650 per work) and, past its memory
    limit, pickles, reads back and heap-merges them one tuple at a time; here only the terms
    are sorted, and a spilled run holds one record of three lists per term.

    The postings of one term arrive in document order (a writer numbers its documents upwards,
    and a merged segment's postings come term by term, in document order, numbered after every
    document before them); should they not, they are put in it, so the order is whoosh's
    (field, term, document) whatever the caller. Same spill point as PostingPool (the same
    size estimate), in less memory (no tuple per posting).
    """

    def __init__(self, tempstore, segment, limitmb=128, **kwargs):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self._fields: dict[str, dict[bytes, tuple[list, list, list]]] = {}

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        group = terms.get(tbytes)
        if group is None:
            terms[tbytes] = ([docnum], [weight], [vbytes])
        else:
            group[0].append(docnum)
            group[1].append(weight)
            group[2].append(vbytes)
        # PostingPool.add: 28 + 4*5 + 21 + len(fieldname) + 26 + 2*len(tbytes) + 18 + 16 + 21 + len(vbytes)
        self.currentsize += 150 + len(fieldname) + 2 * len(tbytes) + (len(vbytes) if vbytes else 0)
        if self.currentsize > self.limit:
            self.save()

    def _groups(self):
        """(fieldname, tbytes, docnums, weights, values) of the pool in memory, by field and term."""
        fields = self._fields
        for fieldname in sorted(fields):
            terms = fields[fieldname]
            for tbytes in sorted(terms):
                yield (fieldname, tbytes, *terms[tbytes])

    def save(self):
        if self._fields:
            path, f = self._new_run()
            with f:
                for group in self._groups():
                    dump(group, f, 2)
            self.runs.append(path)
            self._fields = {}
        self.currentsize = 0

    def _read_groups(self, path):
        with self._open_run(path) as f:
            while True:
                try:
                    yield load(f)
                except EOFError:
                    break
        self._remove_run(path)

    def groups(self):
        """(fieldname, tbytes, docnums, weights, values) of every term, by field and term, in document order."""
        if not self.runs:
            sources = self._groups()
        else:
            self.save()
            runs, self.runs = self.runs, []
            # heapq.merge is stable: a term's records come in the order of the runs.
            sources = merge(*(self._read_groups(p) for p in runs), key=_TERM)
        last = None
        for group in sources:
            if last is not None and last[0] == group[0] and last[1] == group[1]:
                for column, more in zip(last[2:], group[2:]):
                    column.extend(more)
                continue
            if last is not None:
                yield _in_doc_order(last)
            last = group
        if last is not None:
            yield _in_doc_order(last)

    def iter_postings(self):
        # PostingPool.iter_postings: one (fieldname, tbytes, docnum, weight, vbytes) at a time.
        for fieldname, tbytes, docnums, weights, values in self.groups():
            for docnum, weight, value in zip(docnums, weights, values):
                yield fieldname, tbytes, docnum, weight, value

    items = iter_postings

    def reduce_to(self, target, k):
        raise NotImplementedError("GroupingPool runs are read by groups() only (whoosh's multisegment=False is not used)")


_TERM = itemgetter(0, 1)


def _in_doc_order(group):
    fieldname, tbytes, docnums, weights, values = group
    if len(docnums) > 1 and docnums != sorted(docnums):
        order = sorted(range(len(docnums)), key=docnums.__getitem__)
        docnums, weights, values = ([column[i] for i in order] for column in (docnums, weights, values))
    return fieldname, tbytes, docnums, weights, values


class LeanFieldWriter(W3FieldWriter):
    """W3FieldWriter with `add_groups`: base.FieldWriter.add_postings for postings grouped by term,
    each field's document lengths read once for the segment (whoosh reads a column per posting),
    a term's postings handed to the postings writer a block at a time."""

    def add_groups(self, schema, lengths, groups):
        """Write GroupingPool.groups() with the calls add_postings makes (start_field, start_term,
        the postings, finish_term, finish_field)."""
        n_docs = lengths.doc_count_all() if lengths else 0
        lastfn = None
        field_lengths = None
        for fieldname, btext, docnums, weights, values in groups:
            if fieldname != lastfn:
                if lastfn is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfn = fieldname
                if lengths:
                    read = lengths.doc_field_length
                    field_lengths = [read(d, fieldname) for d in range(n_docs)]
            if docnums[0] == -1:  # whoosh's marker of a spelling word, not a posting
                keep = [i for i, d in enumerate(docnums) if d != -1]
                if not keep:
                    continue
                docnums, weights, values = ([column[i] for i in keep] for column in (docnums, weights, values))
            self.start_term(btext)
            _add_postings(self._postwriter, docnums, weights, values, field_lengths)
            self.finish_term()
        if lastfn is not None:
            self.finish_field()


def _add_postings(writer: W3PostingsWriter, docnums: list, weights: list, values: list, field_lengths) -> None:
    """W3PostingsWriter.add_posting for each posting of a term, a block's worth at a time: a
    full block is written when a posting arrives for it, ids and weights are appended, the
    non-empty values kept, and the block's maximum weight and min/max non-zero lengths updated."""
    limit, i, n = writer._blocklimit, 0, len(docnums)
    while i < n:
        if len(writer._ids) >= limit:
            writer._write_block()
        j = min(n, i + limit - len(writer._ids))
        ids, ws = docnums[i:j], weights[i:j]
        writer._ids.extend(ids)
        writer._weights.extend(ws)
        top = max(ws)
        if top > writer._maxweight:
            writer._maxweight = top
        writer._values.extend(filter(None, values[i:j]))
        if field_lengths is not None:
            found = [x for x in map(field_lengths.__getitem__, ids) if x]
            if found:
                low, high = min(found), max(found)
                if writer._minlength is None or low < writer._minlength:
                    writer._minlength = low
                if high > writer._maxlength:
                    writer._maxlength = high
        i = j


class LeanCodec(W3Codec):
    """W3Codec writing through LeanFieldWriter. Its segments name the stock W3Codec (they are
    pickled into the index's table of contents, which reads stock whoosh classes only), so an
    index it wrote is read exactly as before."""

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(self._blocklimit, self._compression, self._inlinelimit), indexname)

    def field_writer(self, storage, segment):
        return LeanFieldWriter(self, storage, segment)


class _LeanSegment:
    """What both writers change: the codec, and the pool."""

    @staticmethod
    def _lean_kwargs(kwargs: dict) -> dict:
        return {"codec": LeanCodec(), **kwargs}

    def _use_grouping_pool(self, limitmb: int) -> None:
        # SegmentWriter.__init__ made a PostingPool; it holds nothing yet.
        self.pool = GroupingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def _flush_segment(self):
        # SegmentWriter._flush_segment, the pool's postings handed over term by term.
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        self.fieldwriter.add_groups(self.schema, pdr, self.pool.groups())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


class StreamSegmentWriter(_LeanSegment, SegmentWriter):
    """`ix.writer()` for our schema."""

    def __init__(self, ix, **kwargs):
        SegmentWriter.__init__(self, ix, **self._lean_kwargs(kwargs))
        self._use_grouping_pool(kwargs.get("limitmb", 128))


class _StreamSubWriterTask(SubWriterTask):
    def run(self):
        # SubWriterTask.run makes its writer by the name `SegmentWriter` in whoosh.multiproc;
        # this is the writer's own (forked) process, so the name is rebound here alone.
        whoosh.multiproc.SegmentWriter = StreamSegmentWriter
        super().run()


class StreamMpWriter(_LeanSegment, MpWriter):
    """`ix.writer(procs=n, …)` for our schema: its writer processes use `StreamSegmentWriter`."""

    def __init__(self, ix, **kwargs):
        if not kwargs.get("multisegment"):
            raise ValueError("StreamMpWriter writes one segment per process (multisegment=True)")
        # (its writer processes get the same codec: MpWriter passes them its kwargs)
        MpWriter.__init__(self, ix, **self._lean_kwargs(kwargs))
        self._use_grouping_pool(kwargs.get("limitmb", 128))

    def _new_task(self):
        # MpWriter._new_task with our task class.
        task = _StreamSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                    self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task
