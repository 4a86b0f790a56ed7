"""Rank works for analysed query groups on the whoosh index, as `koc-find.js` does on Pagefind's.

Every group must match: a single token, or a phrase of bigrams standing side
by side. A work's score adds, per group, the mean BM25-like weight of its
tokens (idf over the works of the edition, saturated term frequency), and a
bonus for groups standing close together (`analysis.score`). The browser
reads the same numbers from Pagefind's exact searches (document frequency,
positions), so the three searches rank alike.

Example:
    >>> rank(searcher, [("l7",), ("露营",)])    # doctest: +SKIP
    [(3, 4.12), (0, 3.7)]
"""

from __future__ import annotations

from whoosh.searching import Searcher

from generator.search.analysis import score

FIELD = "content"


def _ids(searcher: Searcher, term: str) -> set[int]:
    try:
        return set(searcher.postings(FIELD, term).all_ids())
    except Exception:  # noqa: BLE001 - whoosh raises TermNotFound for an unknown term
        return set()


def rank(searcher: Searcher, groups: list[tuple[str, ...]], allowed: set[int] | None = None,
         vocab=None) -> list[tuple[int, float]]:
    """(docnum, score), best first, ties by document id, of the works every group matches
    (a vocabulary group by any form of its entries: `SearchVocabulary.alternatives`)."""
    if not groups:
        return []
    alts = [vocab.alternatives(g) if vocab else [g] for g in groups]
    terms = sorted({t for group in alts for alt in group for t in alt})
    ids = {t: _ids(searcher, t) for t in terms}
    candidates = None
    for group in alts:
        docs = set().union(*(set.intersection(*(ids[t] for t in alt)) for alt in group))
        candidates = docs if candidates is None else candidates & docs
    if allowed is not None:
        candidates &= allowed
    if not candidates:
        return []
    order = sorted(candidates)
    # Positions matter for phrases and for the closeness of two or more groups; else counts do.
    need_positions = len(alts) > 1 or any(len(alt) > 1 for group in alts for alt in group)
    postings: dict[str, dict[int, list[int]]] = {}
    for t in terms:
        found = {}
        postings[t] = found
        if not ids[t]:
            continue
        m = searcher.postings(FIELD, t)
        for d in order:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    break
            if m.id() == d:
                found[d] = list(m.value_as("positions")) if need_positions else [0] * m.value_as("frequency")
    n_docs = searcher.doc_count()
    out = []
    for d in order:
        per_group = []
        for group in alts:
            matched = []
            for alt in group:
                starts = _starts(alt, postings, d)
                if starts:
                    matched.append(({"terms": [(len(ids[t]), len(postings[t][d])) for t in dict.fromkeys(alt)]}, starts))
            if not matched:
                break
            per_group.append({"alts": [m[0]["terms"] for m in matched], "starts": sorted({p for m in matched for p in m[1]})})
        else:
            out.append((d, score(n_docs, per_group)))
    from generator.search.query import _doc_values  # per searcher, read once

    ids_of = _doc_values(searcher).ids
    out.sort(key=lambda item: (-item[1], ids_of[item[0]]))
    return out


def _starts(group: tuple[str, ...], postings, d: int) -> list[int]:
    """Where the group starts in work d: every position of a token, the first place of a phrase."""
    first = postings[group[0]].get(d, [])
    if len(group) == 1:
        return first
    rest = [set(postings[t].get(d, ())) for t in group[1:]]
    for p in first:
        if all(p + k + 1 in s for k, s in enumerate(rest)):
            return [p]
    return []
