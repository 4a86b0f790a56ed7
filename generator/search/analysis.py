"""One analysis for every search: the library's vocabulary, then Latin words and character bigrams.

The header search, the finder and `koc search` all match the same tokens,
because every work is turned into one token stream here and both indexes
(whoosh for `koc search`, Pagefind for the browser) are fed that stream;
queries are analysed by the same rules here and in `koc-find.js`.

Text (after NFKC and lowercasing, so ＯＴＡ is ota) becomes:
- a Latin or digit run is one token (`isofix`, `l7`, `360`);
- a Chinese run becomes its character bigrams, in order (第三排 → 第三 三排),
  so any two or more characters inside a longer word are findable, and a
  query word of 3+ characters is a phrase of its bigrams, which never matches
  on scattered characters (第三排 does not match "第三，…重新排过");
- every vocabulary form found in the text is one more token: each taxonomy
  label and alias, each tag, each contributor's display name, spaces and
  punctuation dropped (`S5 EV` → `s5ev`, `二胎/多孩家庭` → `二胎多孩家庭`).
No segmenter's words are indexed: no query is cut into them (a query is
vocabulary forms, Latin runs and bigram phrases), so they only cost (at
5,000 works: about half the analysis time and a fifth of the browser index);
the vocabulary is the library's own word list, and bigrams find any word.
A work's stream also holds its facets: every label and alias of its
scenarios, models and tags (so 野营 finds works filed under 露营自驾, MPV
finds a model named 境悦MPV by its Latin part, 冬天 finds 冬天用车) and its
contributors' names.

A query is cut into groups: the longest vocabulary form at each place first
(one token), then Latin runs (one token each) and Chinese runs (a single
character, or the phrase of the run's bigrams). Every group must match (AND);
works rank by BM25-like weights of the groups' tokens, the closer the groups
the better. With no result at all, a query within one edit of a vocabulary
form (星图L7, ISOFXI, 安全坐椅) is read as that form.

Example:
    >>> a = Analyzer(SearchVocabulary([VocabEntry("model", "xingtu-l7", "星途L7", ("L7", "L7增程版"))]))
    >>> a.query_groups("L7 第三排")
    [('l7',), ('第三', '三排')]
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from whoosh.analysis import Token, Tokenizer

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(f"[{CJK}]+|[a-z0-9]+")
_KEEP = re.compile(f"[{CJK}a-z0-9]")
_LATIN = re.compile("[a-z0-9]")
_DROPPED = re.compile(f"[^{CJK}a-z0-9]+")
_GAP = re.compile(f"[{CJK}a-z0-9][^{CJK}a-z0-9]+[{CJK}a-z0-9]")

# Particles dropped when they stand alone beside a vocabulary word in a query (L7的露营).
STOP_CHARS = frozenset("的了和与及在是也就都着之")
# Kinds of vocabulary entries, in the order the result card names them.
KINDS = {"model": "车型", "scenario": "场景", "tag": "标签", "contributor": "贡献者"}


def normalise(text: str) -> str:
    """NFKC and lowercase: full-width ＯＴＡ, Ｌ７ and the ideographic space become ota, l7 and a space."""
    text = str(text)
    # The quick check costs little; most text is already NFKC, and normalising it is slow.
    return (text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)).lower()


def form_key(text: str) -> str:
    """A vocabulary form as a token: normalised, only Chinese characters, letters and digits."""
    return "".join(_KEEP.findall(normalise(text)))


@dataclass(frozen=True)
class VocabEntry:
    kind: str          # model | scenario | tag | contributor
    key: str           # slug, or contributor id
    label: str
    aliases: tuple[str, ...] = ()

    def forms(self) -> list[str]:
        return list(dict.fromkeys(k for k in (form_key(n) for n in (self.label, *self.aliases)) if len(k) >= 2))

    def spaced_forms(self) -> list[str]:
        """Forms written with a space or punctuation inside (S5 EV, 二胎/多孩家庭)."""
        return [form_key(n) for n in (self.label, *self.aliases) if len(form_key(n)) >= 2 and _GAP.search(normalise(n).strip())]


@dataclass
class SearchVocabulary:
    """Every form of the library's vocabulary, with the entries it names."""

    entries: list[VocabEntry]
    forms: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self):
        for entry in self.entries:
            for f in entry.forms():
                self.forms.setdefault(f, [])
                if (entry.kind, entry.key) not in self.forms[f]:
                    self.forms[f].append((entry.kind, entry.key))
        self.spaced = {f for e in self.entries for f in e.spaced_forms()}
        self.longest = max((len(f) for f in self.forms), default=0)
        # The lengths of the forms that start with each two characters, longest first.
        heads: dict[str, set[int]] = {}
        for f in self.forms:
            heads.setdefault(f[:2], set()).add(len(f))
        self.heads = {h: sorted(ls, reverse=True) for h, ls in heads.items()}
        self.by_key = {(e.kind, e.key): e for e in self.entries}

    @classmethod
    def of_library(cls, library, tags) -> "SearchVocabulary":
        """Taxonomy scenarios, models and tags (label and aliases), every tag used by a work, contributor names."""
        entries = [VocabEntry("scenario", t.slug, t.label, tuple(t.aliases)) for t in library.taxonomy.scenarios]
        entries += [VocabEntry("model", t.slug, t.label, tuple(t.aliases)) for t in library.taxonomy.models]
        entries += [VocabEntry("tag", t.slug, t.label, tuple(t.aliases)) for t in library.taxonomy.tags]
        declared = {t.slug for t in library.taxonomy.tags}
        used = sorted({tags.label(t) for w in library.works for t in w.tags})
        for label in used:
            try:
                slug = tags.slug(label)
            except KeyError:
                continue
            if slug not in declared:
                entries.append(VocabEntry("tag", slug, label))
                declared.add(slug)
        entries += [VocabEntry("contributor", c.id, c.name) for c in library.contributors.values()]
        return cls(entries)

    def to_json(self) -> dict:
        """What the browser needs to cut queries the same way and to say why a work matched:
        per entry [kind's first letter, key, label, *aliases]; koc-find.js derives the forms as
        `forms()` does."""
        return {"entries": [[e.kind[0], e.key, e.label, *e.aliases] for e in self.entries]}

    def alternatives(self, group: tuple[str, ...]) -> list[tuple[str, ...]]:
        """A group and, for a vocabulary form, every other form of the entries it names:
        OTA升级 is also found as OTA and 远程升级, 安全座椅 as 儿童座椅."""
        out = [group]
        if len(group) == 1 and group[0] in self.forms:
            for kind, key in self.forms[group[0]]:
                for f in self.by_key[(kind, key)].forms():
                    if (f,) not in out:
                        out.append((f,))
        return out


def scan_forms(s: str, seps: list[bool], vocab: SearchVocabulary) -> list[tuple[int, str]]:
    """(start, form) of the longest vocabulary form at each place of `s`, left to right, not overlapping.

    `s` holds only kept characters; seps[i] says a space or punctuation stood before s[i].
    A form that starts or ends with a letter or digit must not cut a Latin word (l7 is not in l70),
    and only a form written with a space or punctuation inside may span one (S5 EV, not 冬季 续航).
    """
    out, i, n = [], 0, len(s)
    forms, heads = vocab.forms, vocab.heads
    while i < n - 1:
        lengths = heads.get(s[i:i + 2])
        if lengths:
            for j in (i + k for k in lengths if i + k <= n):
                f = s[i:j]
                if f in forms and _fits(s, seps, i, j) and (f in vocab.spaced or _unbroken(s, seps, i, j)):
                    out.append((i, f))
                    i = j
                    break
            else:
                i += 1
        else:
            i += 1
    return out


def _unbroken(s: str, seps: list[bool], i: int, j: int) -> bool:
    """No gap inside s[i:j] but where Latin meets Chinese ("OTA 升级" is OTA升级; "冬季 续航" is two words)."""
    latin = _LATIN.match
    return all(not seps[k] or bool(latin(s[k - 1])) != bool(latin(s[k])) for k in range(i + 1, j))


def _fits(s: str, seps: list[bool], i: int, j: int) -> bool:
    latin = _LATIN.match
    if latin(s[i]) and i > 0 and latin(s[i - 1]) and not seps[i]:
        return False
    if latin(s[j - 1]) and j < len(s) and latin(s[j]) and not seps[j]:
        return False
    return True


def _kept(text: str, normalised: bool = False) -> tuple[str, list[bool]]:
    """The kept characters of `text`, normalised, and for each whether a space or punctuation stood before it."""
    chars, seps = [], []
    for k, piece in enumerate(_DROPPED.split(text if normalised else normalise(text))):
        if piece:
            seps.append(k > 0)
            seps.extend([False] * (len(piece) - 1))
            chars.append(piece)
    return "".join(chars), seps


class Analyzer:
    """The library's analysis: index streams for works, groups for queries."""

    def __init__(self, vocab: SearchVocabulary, segmenter=None):
        self.vocab = vocab
        # Cuts a query's Chinese runs into words (segmenter.Segmenter), or a function that makes
        # one when a query first needs it; None: a run is one word.
        self._segmenter = segmenter

    # ------------------------------------------------------------ index side

    def text_tokens(self, text: str, vocabulary: bool = True) -> list[str]:
        t = normalise(text)
        out: list[str] = []
        for m in _PIECES.finditer(t):
            run = m.group()
            if _LATIN.match(run):
                out.append(run)
            elif len(run) >= 2:
                out.extend(map(str.__add__, run, run[1:]))  # its bigrams, in order
        if vocabulary:
            s, seps = _kept(t, normalised=True)
            out.extend(f for _, f in scan_forms(s, seps, self.vocab))
        return out

    def entry_tokens(self, entry: VocabEntry) -> list[str]:
        """The tokens that file a work under an entry: each form, and for taxonomy terms their parts too."""
        out = []
        for name in (entry.label, *entry.aliases):
            key = form_key(name)
            if len(key) >= 2:
                out.append(key)
            if entry.kind != "contributor":
                out.extend(t for t in self.text_tokens(name, vocabulary=False) if t != key)
        return out

    def work_stream(self, title: str, summary: str, body: str, entries: list[VocabEntry]) -> str:
        """The one token stream both indexes hold for a work: title twice (it weighs more), summary, body, facets."""
        tokens = self.text_tokens(title) * 2 + self.text_tokens(summary) + self.text_tokens(body)
        for entry in entries:
            tokens += self.entry_tokens(entry)
        return " ".join(tokens)

    # ------------------------------------------------------------ query side

    def query_groups(self, text: str) -> list[tuple[str, ...]]:
        """Each group is one token or a phrase of bigrams; every group must match.

        A vocabulary form is one group, unless it would strand a single Chinese
        character beside it: 侧滑门 is the phrase 侧滑 滑门, not 侧 + 滑门 (a lone
        particle such as 的 is dropped instead).
        """
        s, seps = _kept(text)
        found = dict(scan_forms(s, seps, self.vocab))
        segments: list[list] = []  # [kind, text, gap_before]; kind "form" or "piece"
        i = 0
        while i < len(s):
            if i in found:
                segments.append(["form", found[i], seps[i]])
                i += len(found[i])
                continue
            if segments and segments[-1][0] == "piece" and not seps[i]:
                segments[-1][1] += s[i]
            else:
                segments.append(["piece", s[i], seps[i]])
            i += 1
        for k, seg in enumerate(segments):
            if seg[0] != "piece":
                continue
            lone = [m.group() for m in _PIECES.finditer(seg[1])]
            head, tail = (lone[0], lone[-1]) if lone else ("", "")
            nxt = segments[k + 1] if k + 1 < len(segments) else None
            prev = segments[k - 1] if k > 0 else None
            if len(tail) == 1 and not _LATIN.match(tail) and nxt and nxt[0] == "form" and not nxt[2] and not _LATIN.match(nxt[1][0]):
                if tail in STOP_CHARS or seg[1] == tail and prev and prev[0] == "form" and not seg[2]:
                    seg[1] = seg[1][:-1]  # a particle, or one character between two forms (老人坐第三排)
                else:
                    nxt[0], nxt[1], nxt[2] = "piece", seg[1] + nxt[1], seg[2]
                    seg[1] = ""
            elif len(head) == 1 and not _LATIN.match(head) and prev and prev[0] == "form" and not seg[2] and not _LATIN.match(prev[1][-1]):
                if head in STOP_CHARS:
                    seg[1] = seg[1][1:]
                else:
                    prev[0], prev[1] = "piece", prev[1] + seg[1]
                    seg[1] = ""
        groups: list[tuple[str, ...]] = []
        for kind, word, _ in segments:
            if kind == "form":
                groups.append((word,))
                continue
            for m in _PIECES.finditer(word):
                run = m.group()
                if _LATIN.match(run) or len(run) == 1:
                    groups.append((run,))
                else:
                    groups.extend(tuple(w[k:k + 2] for k in range(len(w) - 1)) for w in self.words_of(run))
        return list(dict.fromkeys(groups))

    def words_of(self, run: str) -> list[str]:
        """The words of a query's Chinese run (2+ characters each): the segmenter's, or the run itself."""
        if self._segmenter is None:
            return [run]
        if not hasattr(self._segmenter, "words"):
            self._segmenter = self._segmenter()
        return self._segmenter.words(run)

    def marked(self, groups: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        """What an excerpt marks: every group and the other forms of its vocabulary entries."""
        return [alt for g in groups for alt in self.vocab.alternatives(g)]

    def correct(self, text: str) -> str | None:
        """The vocabulary form one edit (or one swap of neighbours) away from the whole query, if any."""
        s, _ = _kept(text)
        if len(s) < 3 or s in self.vocab.forms:
            return None
        best = None
        for f in sorted(self.vocab.forms, key=lambda f: (len(f), f)):
            # a two-character form only for one character too many (露营营 → 露营)
            if (len(f) >= 3 or len(s) > len(f)) and abs(len(f) - len(s)) <= 1 and _one_edit(s, f):
                best = f
                break
        return best

    def why(self, groups: list[tuple[str, ...]], text: str, entries: list[VocabEntry]) -> list[str]:
        """"车型：星途L7" for each group that the work's text does not hold but one of its facets does."""
        kept, _ = _kept(text)
        reasons = []
        for g in groups:
            word = group_text(g)
            if any(group_text(alt) in kept for alt in self.vocab.alternatives(g)):
                continue
            for e in entries:
                if any(word in f for f in [form_key(n) for n in (e.label, *e.aliases)]):
                    reason = f"{KINDS[e.kind]}：{e.label}"
                    if reason not in reasons:
                        reasons.append(reason)
                    break
        return reasons


def group_text(group: tuple[str, ...]) -> str:
    """The characters a group stands for: 第三 三排 → 第三排."""
    return group[0] + "".join(t[-1] for t in group[1:])


def _one_edit(a: str, b: str) -> bool:
    """Damerau distance exactly one (a substitution, insertion, deletion or swap of neighbours)."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) != 1:
        return False
    k = 0
    while k < len(a) and a[k] == b[k]:
        k += 1
    return a[k:] == b[k + 1:]


# ---------------------------------------------------------------- ranking, shared with koc-find.js

K1 = 1.2


def idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def term_weight(n_docs: int, df: int, tf: int) -> float:
    return idf(n_docs, df) * tf * (K1 + 1) / (tf + K1)


def proximity(first_positions: list[list[int]]) -> float:
    """1 when the groups stand side by side, falling towards 0 as the nearest window widens.

    `first_positions` holds, per group, the positions where it starts.
    """
    if len(first_positions) < 2 or not all(first_positions):
        return 0.0
    events = sorted((p, g) for g, ps in enumerate(first_positions) for p in ps)
    need, count, have, best, left = len(first_positions), {}, 0, None, 0
    for right, (p, g) in enumerate(events):
        count[g] = count.get(g, 0) + 1
        if count[g] == 1:
            have += 1
        while have == need:
            lp, lg = events[left]
            span = p - lp
            best = span if best is None else min(best, span)
            count[lg] -= 1
            if count[lg] == 0:
                have -= 1
            left += 1
    return 8.0 / (8.0 + best) if best is not None else 0.0


def score(n_docs: int, groups: list[dict]) -> float:
    """groups: per group {"alts": [[(df, tf), ...] per matching alternative], "starts": [positions]} of one work."""
    total = 0.0
    for g in groups:
        for terms in g["alts"]:
            total += sum(term_weight(n_docs, df, tf) for df, tf in terms) / len(terms)
    total += proximity([g["starts"] for g in groups])
    return round(total, 6)


# ---------------------------------------------------------------- whoosh

class StreamTokenizer(Tokenizer):
    """The stream is already analysed: split on spaces, one position per token.

    A query value (from the query parser) stays one token; `query.py`
    replaces it by the library's analysis.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = [normalise(value).strip()] if mode == "query" else value.split()
        offset = 0
        for pos, word in enumerate(words):
            token.text = token.original = word
            token.boost = 1.0
            token.stopped = False
            token.pos = start_pos + pos
            token.startchar = start_char + offset
            token.endchar = start_char + offset + len(word)
            offset += len(word) + 1
            yield token


def StreamAnalyzer():
    return StreamTokenizer()


# ---------------------------------------------------------------- excerpts

def _kept_map(text: str) -> tuple[str, list[bool], list[int]]:
    """Kept characters of `text` normalised, separators before each, and each one's index in `text`."""
    chars, seps, where, gap = [], [], [], False
    whole = normalise(text)
    pairs = enumerate(whole) if len(whole) == len(text) else ((i, n) for i, ch in enumerate(text) for n in normalise(ch))
    for i, n in pairs:
        if _KEEP.match(n):
            chars.append(n)
            seps.append(gap)
            where.append(i)
            gap = False
        else:
            gap = True
    return "".join(chars), seps, where


def mark_spans(text: str, groups: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    """(start, end) in `text` of every place a group matches, merged.

    A phrase of bigrams must stand without a space or punctuation inside it,
    as in the index; a vocabulary form may (S5 EV).
    """
    kept, seps, where = _kept_map(text)
    spans = []
    for g in groups:
        word = group_text(g)
        vocab_like = len(g) == 1 and len(word) > 2
        start = kept.find(word)
        while start != -1:
            end = start + len(word)
            latin = _LATIN.match
            inside_ok = vocab_like or not any(seps[k] for k in range(start + 1, end))
            edges_ok = not (latin(word[0]) and start > 0 and latin(kept[start - 1]) and not seps[start]) and \
                not (latin(word[-1]) and end < len(kept) and latin(kept[end]) and not seps[end])
            if inside_ok and edges_ok:
                spans.append((where[start], where[end - 1] + 1))
            start = kept.find(word, start + 1)
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def excerpt(text: str, groups: list[tuple[str, ...]], width: int = 120) -> str:
    """HTML-escaped excerpt around the first match, each match in <mark>; "" when nothing matches."""
    import html

    text = " ".join(re.sub(r"(^|\n)\s*(#+|[-*>]|\d+\.)\s+", " ", text).split())
    spans = mark_spans(text, groups)
    if not spans:
        return ""
    begin = max(0, spans[0][0] - width // 4)
    end = min(len(text), begin + width)
    out, i = [], begin
    for s, e in spans:
        if e <= begin or s >= end:
            continue
        s, e = max(s, begin), min(e, end)
        out.append(html.escape(text[i:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        i = e
    out.append(html.escape(text[i:end]))
    return ("…" if begin else "") + "".join(out) + ("…" if end < len(text) else "")
