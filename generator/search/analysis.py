"""A Chinese analyzer for whoosh: jieba's dictionary words for ranking, character bigrams for recall.

Word segmentation alone misses queries that cut a sentence differently from
the indexer: in "第二排放平以后" jieba finds 排放 (emissions), so a query for
第二排 (second row) would never match. So, as Lucene's CJK analysers do, the
index also holds every character bigram and single character of each Chinese
run, and a query is cut into bigrams (a single character stays as it is):
every substring of two or more characters is findable, while the words of
three or more characters from jieba's dictionary rank whole-word matches higher.
Latin words and numbers ("ISOFIX", "OTA", "V2L") are lowercased words.

Example:
    >>> [t.text for t in ChineseAnalyzer()("ISOFIX接口", mode="query")]
    ['isofix', '接口']
"""

from __future__ import annotations

import logging
import re

from whoosh.analysis import LowercaseFilter, StopFilter, Token, Tokenizer

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9][A-Za-z0-9_.+-]*[A-Za-z0-9+]|[A-Za-z0-9]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
STOP_WORDS = frozenset({"的", "了", "和", "是", "在", "也", "就", "都", "而", "及", "与", "着", "a", "an", "and", "the", "of", "to", "in", "is"})


class ChineseTokenizer(Tokenizer):
    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in _RUNS.finditer(value):
            run, offset = match.group(), match.start()
            if not _CJK.match(run):
                yield self._token(token, run, offset, pos, start_char)
                pos += 1
                continue
            pieces = []
            if mode == "query":
                pieces = [(run, 0)] if len(run) == 1 else [(run[i:i + 2], i) for i in range(len(run) - 1)]
            else:
                # Words of 3+ characters from jieba's dictionary, then every bigram
                # (2-character words are among them); a lone character only when the
                # run has one.
                pieces = _long_words(run) if len(run) > 2 else []
                pieces += [(run[i:i + 2], i) for i in range(len(run) - 1)] if len(run) > 1 else [(run, 0)]
            for text, start in pieces:
                yield self._token(token, text, offset + start, pos + start, start_char)
            pos += len(run)

    @staticmethod
    def _token(token, text, offset, pos, start_char):
        token.text = token.original = text
        token.boost = 1.0
        token.stopped = False
        token.pos = pos
        token.startchar = start_char + offset
        token.endchar = start_char + offset + len(text)
        return token


def ChineseAnalyzer():
    return ChineseTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)


_FREQ: dict[str, int] | None = None


def _long_words(run: str) -> list[tuple[str, int]]:
    """(word, offset) of every word of 3+ characters in jieba's dictionary, overlaps included.

    As jieba's full mode (cut_all) does, but without building the whole DAG of
    every start: the index wants only the long words (the bigrams cover the
    rest), and this is the costliest step of indexing. jieba's prefix
    dictionary holds each word's prefixes with frequency 0, so a scan stops
    as soon as no word can go on. Unknown words are not guessed (no HMM): the
    bigrams find those already.
    """
    global _FREQ
    if _FREQ is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()  # imported and loaded on first use: queries and `koc check` never segment
        _FREQ = jieba.dt.FREQ
    freq, words, n = _FREQ, [], len(run)
    for i in range(n - 2):
        if run[i:i + 2] not in freq:
            continue
        for j in range(i + 3, n + 1):
            count = freq.get(run[i:j])
            if count is None:
                break
            if count:
                words.append((run[i:j], i))
    return words
