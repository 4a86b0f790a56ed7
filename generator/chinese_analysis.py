"""A Chinese analyzer for whoosh: jieba words for ranking, character bigrams for recall.

Word segmentation alone misses queries that cut a sentence differently from
the indexer: in "第二排放平以后" jieba finds 排放 (emissions), so a query for
第二排 (second row) would never match. So, as Lucene's CJK analysers do, the
index also holds every character bigram and single character of each Chinese
run, and a query is cut into bigrams (a single character stays as it is):
every substring of two or more characters is findable, while jieba's words
still rank whole-word matches higher and give more-like-this its key terms.
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
                # run has one. No HMM guessing of unknown words: the bigrams find
                # those already, and it would cost a third of the indexing time.
                pieces = [(w, s) for w, s, _ in _jieba().tokenize(run, mode="search", HMM=False) if len(w) > 2] if len(run) > 2 else []
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


def _jieba():
    # Imported on first use: queries and `koc check` never segment, and jieba
    # takes a tenth of a second to import.
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba
