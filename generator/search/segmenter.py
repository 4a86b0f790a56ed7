"""Cutting a query's Chinese runs into words, the same way in `koc search` and in the browser.

The index holds character bigrams (`analysis`), so any word is findable; what
a query needs is to know where its words are. A dealer types 第三排座椅怎么放倒
without spaces: read as one bigram phrase it finds only that exact string, read
as the words 第三排 · 座椅 · 放倒 (AND, each word a bigram phrase, 怎么 dropped)
it finds the works that talk about folding the third row.

The words come from jieba: its most probable route through the run (jieba's
`calc`, HMM off) over a dictionary made for the edition: jieba's dictionary
words of two or more characters that occur in the edition's text (titles,
summaries, bodies, vocabulary labels), with jieba's frequencies, plus the
library's own Chinese vocabulary forms. A word that no work holds would only
make a query find nothing, and the dictionary stays small enough to ship: the
browser loads it in shards (`koc-search/words/<xx>.json`, a shard per code point
modulo 256) for the characters of the query only, and `koc-words.js` runs the
same route over the same numbers, so both cut alike (a test compares them).

After the route:
- a word standing alone that only asks a question or links words (的, 怎么,
  吗, 如何 …) is dropped, unless nothing else is left;
- single characters never stand alone (a query of one character excepted):
  two or more side by side are one word (刹车 异 响 → 刹车 异响), one is joined
  to the word before it, or after it at the start (零 重力 → 零重力).

Example:
    >>> seg = Segmenter(WordDictionary({"第三排": 20, "座椅": 300, "放倒": 30, "怎么": 900}))
    >>> seg.words("第三排座椅怎么放倒")
    ['第三排', '座椅', '放倒']
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from generator.search.analysis import CJK, normalise

# Words dropped when they stand alone among other words of a query.
STOP_WORDS = frozenset({
    *"的了和与及在是也就都着之吗呢吧啊呀么把被让给跟或",
    "怎么", "怎样", "怎么样", "如何", "什么", "为什么", "为何", "哪里", "哪儿", "哪个", "哪些",
    "是否", "能否", "可以", "能不能", "可不可以", "有没有", "一下", "一些", "这个", "那个", "还是",
})
# The frequency of a vocabulary form that jieba's dictionary lacks.
VOCAB_FREQ = 1000
SHARDS = 256
SHARD_DIR = "koc-search/words"
_RUN = re.compile(f"[{CJK}]+")
# Chinese runs before normalisation: with the radicals and compatibility forms NFKC makes ideographs of.
_RAW_RUN = re.compile(f"[{CJK}\u2e80-\u2fdf\U0002f800-\U0002fa1f]+")


@dataclass
class WordDictionary:
    """Words of two or more characters and their frequencies; `total` as jieba counts it (their sum)."""

    freq: dict[str, int]

    def __post_init__(self):
        self.total = sum(self.freq.values()) or 1

    def shards(self) -> dict[str, bytes]:
        """`koc-search/words/<xx>.json` for every xx (empty ones too: a query never asks for a missing file):
        {"t": total, "w": {word: frequency}} of the words whose first character's code point is xx modulo 256."""
        parts: dict[int, dict[str, int]] = {n: {} for n in range(SHARDS)}
        for word in sorted(self.freq):
            parts[ord(word[0]) % SHARDS][word] = self.freq[word]
        return {f"{SHARD_DIR}/{n:02x}.json": json.dumps({"t": self.total, "w": words}, ensure_ascii=False,
                                                       separators=(",", ":")).encode("utf-8")
                for n, words in parts.items()}


def jieba_words(bigrams: set[str]) -> dict[str, int]:
    """The words of jieba's dictionary (the file it ships) of two or more Chinese characters whose
    every bigram is in `bigrams` → frequency. Filtered as it is read: the whole dictionary as a
    dict would cost some 50 MB for a few thousand words kept."""
    import jieba

    words: dict[str, int] = {}
    for line in (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8").splitlines():
        if line[:2] not in bigrams:  # most lines: their first two characters stand nowhere in the text
            continue
        word, freq = line.split(" ", 2)[:2]
        word = normalise(word)
        if len(word) >= 2 and _RUN.fullmatch(word) and all(word[k:k + 2] in bigrams for k in range(len(word) - 1)):
            words[word] = max(words.get(word, 0), int(freq))
    return words


def edition_dictionary(texts, forms) -> WordDictionary:
    """jieba's words that occur in `texts`, and the Chinese vocabulary `forms`."""
    raw: set[str] = set()
    for text in texts:
        raw.update(_RAW_RUN.findall(text))
    # Normalised once per distinct run (NFKC over a whole library's text takes seconds).
    runs = {run for r in raw for run in _RUN.findall(normalise(r))}
    bigrams = {run[k:k + 2] for run in runs for k in range(len(run) - 1)}
    known = jieba_words(bigrams)
    prefixes = {w[:k] for w in known for k in range(2, len(w) + 1)}
    found: dict[str, int] = {}
    for run in runs:
        n = len(run)
        for i in range(n - 1):
            for j in range(i + 2, n + 1):
                piece = run[i:j]
                if piece not in prefixes:
                    break
                if piece in known:
                    found[piece] = known[piece]
    for form in forms:
        if len(form) >= 2 and _RUN.fullmatch(form) and form not in found:
            found[form] = known.get(form, VOCAB_FREQ)
    return WordDictionary(dict(sorted(found.items())))


class Segmenter:
    """jieba's route over a `WordDictionary`, and the rules that make a query's words of it."""

    def __init__(self, words: WordDictionary):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.dictionary = words
        tk = jieba.Tokenizer()
        # jieba's prefix dictionary: each word with its frequency, each shorter prefix with 0.
        pfdict: dict[str, int] = {}
        for word, freq in words.freq.items():
            pfdict[word] = freq
            for k in range(1, len(word)):
                pfdict.setdefault(word[:k], 0)
        tk.FREQ, tk.total, tk.initialized = pfdict, words.total, True
        self._tk = tk

    def cut(self, run: str) -> list[str]:
        """jieba's most probable cut of a Chinese run (jieba's `get_DAG` and `calc`, no HMM)."""
        dag = self._tk.get_DAG(run)
        route: dict = {}
        self._tk.calc(run, dag, route)
        out, x = [], 0
        while x < len(run):
            y = route[x][1] + 1
            out.append(run[x:y])
            x = y
        return out

    def words(self, run: str) -> list[str]:
        """The words of a Chinese run as a query means them (see the module's rules)."""
        return query_words(self.cut(run))


def query_words(cut: list[str]) -> list[str]:
    """The words of a cut run: stop words out; single characters side by side are one word; a single
    character at either end of the run is joined to the word beside it (零 重力 → 零重力, 侧滑 门 →
    侧滑门), anywhere else it is dropped (后备箱 放 行李箱: the phrase 后备箱放 would ask for more
    than the dealer did). A run with less than two characters besides stop words is one word."""
    if sum(len(w) for w in cut if w not in STOP_WORDS) < 2:
        return ["".join(cut)]
    parts: list[list] = []  # [text, kind]: word | single (characters side by side) | stop
    for w in cut:
        kind = "stop" if w in STOP_WORDS else "single" if len(w) == 1 else "word"
        if kind == "single" and parts and parts[-1][1] == "single":
            parts[-1][0] += w
        else:
            parts.append([w, kind])
    out: list[str] = []
    last = len(parts) - 1
    for k, (w, kind) in enumerate(parts):
        if kind == "word" or kind == "single" and len(w) > 1:
            out.append(w)
        elif kind == "single" and k == 0 and parts[1][1] == "word":
            parts[1][0] = w + parts[1][0]
        elif kind == "single" and k == last and parts[k - 1][1] == "word":
            out[-1] += w
        # else: a stop word, or one character inside the run or beside a stop word: dropped
    return out or ["".join(cut)]
