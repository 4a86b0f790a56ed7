"""The facets works are filtered and counted by, in the order the finder shows them.

One list for the whoosh index, `koc search`, the Pagefind records, the
finder's compact data and its form (whose filters `finder.js` reads).
"""

FACET_LABELS = {
    "type": "类型",
    "scenario": "场景",
    "model": "车型",
    "use": "可用于",
    "year": "年份",
    "contributor": "贡献者",
    "tag": "标签",
}
FACETS = tuple(FACET_LABELS)
