"""Resolve what editors write (a label or an alias) to a controlled term.

Example:
    >>> v = Vocabulary([Term("family-weekend", "周末亲子出游", ("亲子游",))])
    >>> v.resolve(" 亲子游 ").slug
    'family-weekend'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterable

from pypinyin import lazy_pinyin

from generator.model import Term
from generator.content.schema import MAX_ID_LENGTH, RESERVED_SLUGS

MAX_SLUG_LENGTH = 60
assert MAX_SLUG_LENGTH <= MAX_ID_LENGTH


def normalise(text: str) -> str:
    """NFKC and trimmed: full-width letters and stray spaces don't split a term."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def _key(text: str) -> str:
    return normalise(text).casefold()


class Vocabulary:
    """Labels and aliases of one vocabulary, looked up case-insensitively."""

    def __init__(self, terms: Iterable[Term]):
        self.terms = tuple(terms)
        self._by_name: dict[str, Term] = {}
        self.by_slug = {t.slug: t for t in self.terms}
        for term in self.terms:
            for name in (term.label, *term.aliases):
                self._by_name.setdefault(_key(name), term)

    def resolve(self, name: str) -> Term | None:
        return self._by_name.get(_key(name))

    def names(self) -> list[str]:
        return [n for t in self.terms for n in (t.label, *t.aliases)]


def slugify(text: str, fallback: str = "tag") -> str:
    """A deterministic ASCII URL slug; Chinese is spelled in pinyin.

    >>> slugify("OTA 升级")
    'ota-sheng-ji'
    """
    words = lazy_pinyin(normalise(text))
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        # A slug is a folder name: a long label keeps its start and a hash of the whole,
        # so two long labels with the same start still get different slugs.
        digest = hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[:MAX_SLUG_LENGTH - 9].rstrip('-')}-{digest}"
    return slug or fallback


class TagVocabulary:
    """Free tags, merged through the taxonomy's tag aliases, each with a unique slug."""

    def __init__(self, declared: Iterable[Term]):
        self.declared = Vocabulary(declared)
        self._slugs: dict[str, str] = {}  # label -> slug
        # Reserved slugs are never handed out: tags/index.md is the tag listing.
        self._taken: set[str] = {t.slug for t in self.declared.terms} | set(RESERVED_SLUGS)

    def label(self, raw: str) -> str:
        term = self.declared.resolve(raw)
        return term.label if term else normalise(raw)

    def slug(self, label: str) -> str:
        term = self.declared.resolve(label)
        if term:
            return term.slug
        if label not in self._slugs:
            raise KeyError(label)
        return self._slugs[label]

    def assign_slugs(self, labels: Iterable[str]) -> None:
        # Sorted so that the same library always gives the same slugs, even
        # when two labels spell the same in pinyin (同音: 续航/序航).
        for label in sorted(set(labels)):
            if self.declared.resolve(label) or label in self._slugs:
                continue
            base = slugify(label)
            slug, n = base, 2
            while slug in self._taken:
                slug, n = f"{base}-{n}", n + 1
            self._taken.add(slug)
            self._slugs[label] = slug
