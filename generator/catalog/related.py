"""Related works: more-like-this over key terms of the body, plus shared tags and scenarios.

Each work's key terms are its most distinctive character bigrams and Latin
words (tf × idf over the works of this edition, the same units the search
index matches on). Two works are related by the idf of the key terms they
share, plus one point per shared tag or scenario. One pass builds an inverted
list of key terms, so the cost grows with the library, not its square.

Example:
    >>> related_works(works, tag_slug, limit=5)["2025-l7-camping"]   # doctest: +SKIP
    ['2025-l7-tent', '2024-family-trip', ...]
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from collections import Counter, defaultdict

from generator.model import Work

_UNITS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[A-Za-z][A-Za-z0-9]+")
KEY_TERMS = 20


# Term counts by work content hash, kept for the life of the process
# (`koc serve` rebuilds in one process, so unchanged works are not counted again).
# Compact, because they are kept for every work: each term is a number in one
# shared vocabulary, a work's counts two arrays (a Counter of ~800 bigrams took
# ~50 KB a work, 2.5 GB at 50,000 works; these take ~6 KB).
_TERMS: dict[tuple[str, str], tuple[array, array]] = {}
_VOCAB: dict[str, int] = {}  # term -> its number
_WORDS: list[str] = []  # number -> term


def _work_terms(w: Work) -> tuple[array, array]:
    """(term numbers, their counts) in the work's title (twice) and body."""
    key = (w.id, w.content_hash)
    if key not in _TERMS:
        if len(_TERMS) > 100_000:
            _TERMS.clear()
        counts = _terms(f"{w.title} {w.title} {w.body}")
        _TERMS[key] = (array("I", (_number(t) for t in counts)), array("I", counts.values()))
    return _TERMS[key]


def _terms(text: str) -> Counter:
    counts = Counter()
    for run in _UNITS.findall(text):
        if run.isascii():
            counts[run.lower()] += 1
        else:
            counts.update(run[i:i + 2] for i in range(len(run) - 1))
    return counts


def _number(term: str) -> int:
    # Never renumbered: the vocabulary only grows with distinct terms, and arrays made earlier keep their meaning.
    if term not in _VOCAB:
        _VOCAB[term] = len(_WORDS)
        _WORDS.append(term)
    return _VOCAB[term]


def related_works(works: list[Work], tag_slug, limit: int = 5) -> dict[str, list[str]]:
    """For each work, up to `limit` other works of `works`, best first, ties by id."""
    counts = {w.id: _work_terms(w) for w in works}
    df = Counter()
    for numbers, _ in counts.values():
        df.update(numbers)
    n = len(works)
    cap = max(3, n // 3)
    # Terms in every other work say nothing; terms in one work match nothing.
    idf = {t: math.log(1 + n / d) for t, d in df.items() if 1 < d < cap}
    keys: dict[str, dict[str, float]] = {}
    postings: dict[str, list[str]] = defaultdict(list)
    for w in works:
        numbers, tfs = counts[w.id]
        # Ties go by the term itself, not its number, so the choice does not depend on the order works were seen.
        scored = [(tf * idf[t], _WORDS[t], t) for t, tf in zip(numbers, tfs) if t in idf]
        top = heapq.nlargest(KEY_TERMS, scored)  # sorted(scored, reverse=True)[:KEY_TERMS], without sorting all
        keys[w.id] = {word: idf[t] for _, word, t in top}
        for _, word, _ in top:
            postings[word].append(w.id)
    labels: dict[str, set[str]] = {}
    by_label: dict[str, list[str]] = defaultdict(list)
    for w in works:
        labels[w.id] = {f"t:{tag_slug(t)}" for t in w.tags} | {f"s:{s}" for s in w.scenarios}
        for label in labels[w.id]:
            by_label[label].append(w.id)
    result = {}
    for w in works:
        scores: dict[str, float] = defaultdict(float)
        for t, weight in keys[w.id].items():
            for other in postings[t]:
                scores[other] += weight
        for label in labels[w.id]:
            group = by_label[label]
            if len(group) <= 200:  # a label on hundreds of works says little about any two
                for other in group:
                    scores[other] += 2.0
        scores.pop(w.id, None)
        result[w.id] = _top(scores, limit)
    return result


def _top(scores: dict[str, float], limit: int) -> list[str]:
    """The `limit` best ids, ties (to 6 decimals) by id; only near-winners are sorted by key."""
    if len(scores) > limit:
        floor = sorted(scores.values(), reverse=True)[limit - 1] - 1e-6
        scores = {k: v for k, v in scores.items() if v >= floor}
    return [wid for wid, _ in sorted(scores.items(), key=lambda kv: (-round(kv[1], 6), kv[0]))[:limit]]
