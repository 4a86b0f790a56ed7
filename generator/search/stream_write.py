"""A cheaper whoosh write path for the `content` stream; the index it writes is the same.

The `content` field holds a pre-analysed token stream (`analysis.Analyzer.work_stream`):
tokens separated by spaces, one position per token. Whoosh's stock path spends most of a
cold index on generic machinery this stream does not need (5,000 works: ~40 CPU-s):
- `Positions.word_values` runs the analyzer, which makes a Token object per token;
  `StreamPositions` counts positions straight from `value.split()`;
- `FieldWriter.add_postings` reads the document's field length from a column once per
  posting (~650 per work); `_BatchedLengths` reads each field's lengths once per segment;
- `PostingPool.add` checks types and sums a dozen lengths per posting; `LeanPostingPool`
  estimates the same size with fewer steps.
Terms, postings, positions, weights, stored fields and field lengths are byte-for-byte
what the stock path writes (tests/test_search_write.py indexes the same documents both ways).
`sync_index` writes through `StreamSegmentWriter` (one process) or `StreamMpWriter` (several).
"""

from __future__ import annotations

import whoosh.multiproc
from whoosh.codec.base import OutOfOrderError
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
        """(term, frequency, weight, encoded positions) per distinct token, by term: each work's
        postings then reach the writer's pool in order, and its sort (by field, term, document)
        merges runs instead of sorting ~650 postings per work from scratch."""
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
        for word in sorted(poses):
            poslist = poses[word]
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


class LeanPostingPool(PostingPool):
    """PostingPool.add without the per-posting type asserts, with the same size estimate
    (so it spills a sorted run to disk at the same point)."""

    def add(self, item):
        # item = (fieldname, tbytes, docnum, weight, vbytes)
        fieldname, tbytes, _, _, vbytes = item
        self.fieldnames.add(fieldname)
        # PostingPool.add: 28 + 4*5 + 21 + len(fieldname) + 26 + 2*len(tbytes) + 18 + 16 + 21 + len(vbytes)
        self.currentsize += 150 + len(fieldname) + 2 * len(tbytes) + (len(vbytes) if vbytes else 0)
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)


class LeanPostingsWriter(W3PostingsWriter):
    """W3PostingsWriter.add_posting without its four type asserts per posting (our postings are
    made by whoosh's own fields and pool)."""

    def add_posting(self, id_, weight, vbytes, length=None):
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            minlength = self._minlength
            if minlength is None or length < minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length


class LeanFieldWriter(W3FieldWriter):
    """W3FieldWriter whose `add_postings` reads each field's document lengths once for the
    segment (whoosh reads a column per posting) and hands postings straight to the postings writer."""

    def add_postings(self, schema, lengths, items):
        # base.FieldWriter.add_postings, with the same order checks and calls.
        n_docs = lengths.doc_count_all() if lengths else 0
        lastfn = lasttext = None
        field_lengths: list = []
        add = None
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lastfn is not None and fieldname < lastfn:
                    raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
                if lasttext is not None:
                    self.finish_term()
                if lastfn is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfn, lasttext = fieldname, None
                if lengths:
                    read = lengths.doc_field_length
                    field_lengths = [read(d, fieldname) for d in range(n_docs)]
            if docnum == -1:  # whoosh's marker of a spelling word, not a posting
                continue
            if btext != lasttext:
                if lasttext is not None:
                    if btext < lasttext:
                        raise OutOfOrderError(f"Term {lastfn}:{lasttext!r} .. {fieldname}:{btext!r}")
                    self.finish_term()
                self.start_term(btext)
                lasttext = btext
                add = self._postwriter.add_posting
            add(docnum, weight, b"" if value is None else value, field_lengths[docnum] if lengths else 0)
        if lasttext is not None:
            self.finish_term()
        if lastfn is not None:
            self.finish_field()


class LeanCodec(W3Codec):
    """W3Codec writing through LeanFieldWriter. Its segments name the stock W3Codec (they are
    pickled into the index's table of contents, which reads stock whoosh classes only), so an
    index it wrote is read exactly as before."""

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(self._blocklimit, self._compression, self._inlinelimit), indexname)

    def field_writer(self, storage, segment):
        return LeanFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return LeanPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                  compression=self._compression, inlinelimit=self._inlinelimit)


class _LeanSegment:
    """What both writers change: the codec, and the pool."""

    @staticmethod
    def _lean_kwargs(kwargs: dict) -> dict:
        return {"codec": LeanCodec(), **kwargs}

    def _use_lean_pool(self, limitmb: int) -> None:
        # SegmentWriter.__init__ made a PostingPool; it holds nothing yet.
        self.pool = LeanPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)


class StreamSegmentWriter(_LeanSegment, SegmentWriter):
    """`ix.writer()` for our schema."""

    def __init__(self, ix, **kwargs):
        SegmentWriter.__init__(self, ix, **self._lean_kwargs(kwargs))
        self._use_lean_pool(kwargs.get("limitmb", 128))


class _StreamSubWriterTask(SubWriterTask):
    def run(self):
        # SubWriterTask.run makes its writer by the name `SegmentWriter` in whoosh.multiproc;
        # this is the writer's own (forked) process, so the name is rebound here alone.
        whoosh.multiproc.SegmentWriter = StreamSegmentWriter
        super().run()


class StreamMpWriter(_LeanSegment, MpWriter):
    """`ix.writer(procs=n, …)` for our schema: its writer processes use `StreamSegmentWriter`."""

    def __init__(self, ix, **kwargs):
        # (its writer processes get the same codec: MpWriter passes them its kwargs)
        MpWriter.__init__(self, ix, **self._lean_kwargs(kwargs))
        self._use_lean_pool(kwargs.get("limitmb", 128))

    def _new_task(self):
        # MpWriter._new_task with our task class.
        task = _StreamSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                    self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task
