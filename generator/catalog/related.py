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

import math
import re
from collections import Counter, defaultdict

from generator.model import Work

_UNITS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[A-Za-z][A-Za-z0-9]+")
KEY_TERMS = 20


# Term counts by work content hash, kept for the life of the process
# (`koc serve` rebuilds in one process, so unchanged works are not counted again).
_TERMS: dict[tuple[str, str], Counter] = {}


def _work_terms(w: Work) -> Counter:
    key = (w.id, w.content_hash)
    if key not in _TERMS:
        if len(_TERMS) > 100_000:
            _TERMS.clear()
        _TERMS[key] = _terms(f"{w.title} {w.title} {w.body}")
    return _TERMS[key]


def _terms(text: str) -> Counter:
    counts = Counter()
    for run in _UNITS.findall(text):
        if run.isascii():
            counts[run.lower()] += 1
        else:
            counts.update(run[i:i + 2] for i in range(len(run) - 1))
    return counts


def related_works(works: list[Work], tag_slug, limit: int = 5) -> dict[str, list[str]]:
    """For each work, up to `limit` other works of `works`, best first, ties by id."""
    counts = {w.id: _work_terms(w) for w in works}
    df = Counter(t for c in counts.values() for t in c)
    n = len(works)
    idf = {t: math.log(1 + n / d) for t, d in df.items()}
    keys: dict[str, dict[str, float]] = {}
    postings: dict[str, list[str]] = defaultdict(list)
    for w in works:
        # Terms in every other work say nothing; terms in one work match nothing.
        scored = [(tf * idf[t], t) for t, tf in counts[w.id].items() if 1 < df[t] < max(3, n // 3)]
        top = sorted(scored, reverse=True)[:KEY_TERMS]
        keys[w.id] = {t: idf[t] for _, t in top}
        for _, t in top:
            postings[t].append(w.id)
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
