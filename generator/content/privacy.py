"""Spot personal data in public text (phones, e-mails, WeChat ids), which belongs under `private:` only."""

from __future__ import annotations

import re

# (kind, cheap test, pattern): the full patterns are slow to run over every
# body of a large library, and most bodies fail the cheap test.
#
# Bodies come from pull requests, so every pattern is linear in the text: a
# match may only start where its first part cannot be continued to the left
# (so a long run is tried once, not from each of its characters), every
# repetition is bounded, and runs of spaces are possessive (no splitting one
# run between two quantifiers). A 1 MB body of "aaaa…@" scans in milliseconds.
_PATTERNS = (
    ("手机号", re.compile(r"\d[\d -]{10}").search,
     re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")),
    ("电子邮箱", lambda text: "@" in text,
     re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}")),
    ("微信号", lambda text: any(k in text for k in ("微信", "vx", "VX", "wx", "WeChat", "wechat")),
     re.compile(r"(?:微信号?|vx|VX|wx|WeChat|wechat)\s{0,8}+[:：]?\s{0,8}+[A-Za-z][-_A-Za-z0-9]{5,19}|(?<![A-Za-z0-9_])wxid_[A-Za-z0-9]{4,40}")),
)


def find_personal_data(text: str) -> list[tuple[str, int]]:
    """(kind, offset) of each match, in order of appearance.

    >>> find_personal_data("电话 13812345678")
    [('手机号', 3)]
    """
    found = []
    for kind, maybe, pattern in _PATTERNS:
        if maybe(text):
            found.extend((kind, m.start()) for m in pattern.finditer(text))
    return sorted(found, key=lambda item: item[1])
