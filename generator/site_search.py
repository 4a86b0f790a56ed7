"""The browser's search bundle: a Pagefind index built from the works themselves.

Pagefind (its extended binary segments Chinese) splits the index into chunks
that the browser fetches per query, so the header search and the finder
transfer a few hundred kilobytes whatever the library's size — Material's own
search would download ~10 KB per work before the first result.

The records come from the model, not from scanning built HTML: only works
listed in this edition are added (never drafts, offline or other-edition
works, never a `private:` field), and the binary indexes them in its own
process while the site renders, so the bundle costs little extra time.

Example:
    >>> job = SearchBundleJob(records)        # doctest: +SKIP
    >>> job.write(Path("site"))               # site/pagefind/…
"""

from __future__ import annotations

import asyncio
import html
import re
import threading
from pathlib import Path

from .images import CARD_WIDTH, sized_path
from .model import TYPE_LABELS, USE_LABELS, Use, Work
from .views import Catalog, work_url

_TAGS = re.compile(r"<[^>]+>")


def search_records(cat: Catalog, bodies: dict[str, str]) -> list[dict]:
    """One Pagefind record per listed work: text, result-card meta, filters and sort keys."""
    records = []
    for work in cat.listed:
        card = cat.cards[work.id]
        text = html.unescape(_TAGS.sub(" ", bodies.get(work.id, "")))
        cover = ""
        if work.cover:
            cover = work.cover if work.cover.startswith("https://") else sized_path(work.cover, CARD_WIDTH)
        records.append({
            "url": "/" + work_url(work.id),
            "content": " ".join(f"{work.title}\n{work.summary if work.summary_given else ''}\n{text}".split()),
            "language": "zh",
            "meta": {
                "title": work.title,
                "image": cover,
                "type": TYPE_LABELS[work.type],
                "date": work.date.isoformat(),
                "credits": "、".join(f"{c.name}（{c.role}）" if c.role else c.name for c in card.credits),
                "uses": " · ".join(card.uses) or "仅供浏览",
                "expiring": f"授权 {card.expiry_days} 天后到期" if card.expiry_days is not None else "",
                "score": str(card.score or ""),
            },
            "filters": _filters(work, cat),
            "sort": {"date": work.date.isoformat(), "score": str(card.score or 0)},
        })
    return records


def _filters(work: Work, cat: Catalog) -> dict[str, list[str]]:
    filters = {
        "type": [work.type.value],
        "scenario": list(work.scenarios),
        "model": list(work.models),
        "tag": [cat.tags.slug(t) for t in work.tags],
        "contributor": list(dict.fromkeys(work.contributor_ids)),
        "use": [u.value for u in Use if u in work.rights.uses] or ["none"],
        "year": [str(work.year)],
    }
    return {k: v for k, v in filters.items() if v}


def filter_labels(cat: Catalog) -> dict[str, dict[str, str]]:
    """Display names of filter values (slugs and ids in the bundle), for the finder."""
    lib = cat.library
    return {
        "type": {t.value: label for t, label in TYPE_LABELS.items()},
        "scenario": {t.slug: t.label for t in lib.taxonomy.scenarios},
        "model": {t.slug: t.label for t in lib.taxonomy.models},
        "tag": dict(sorted(cat.tag_labels.items())),
        "contributor": {c.id: c.name for c in lib.contributors.values()},
        "use": {u.value: label for u, label in USE_LABELS.items()} | {"none": "仅供浏览"},
        "year": {str(y): f"{y} 年" for y in sorted({w.year for w in cat.listed}, reverse=True)},
    }


class SearchBundleJob:
    """Indexes `records` with Pagefind in a background thread; `write(site_dir)` finishes it.

    The Pagefind binary runs as a separate process, so indexing overlaps with
    whatever the build does meanwhile.
    """

    def __init__(self, records: list[dict]):
        self._records = records
        self._output: Path | None = None
        self._go = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="pagefind", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            asyncio.run(self._index())
        except BaseException as exc:  # noqa: BLE001 - re-raised in write()
            self._error = exc
            self._go.set()

    async def _index(self) -> None:
        from pagefind.index import PagefindIndex

        async with PagefindIndex(config={"force_language": "zh"}) as index:
            for record in self._records:
                await index.add_custom_record(**record)
            # Wait for the site folder; polling keeps no executor thread that would
            # hold up interpreter exit if the build never asks for the bundle.
            while not self._go.is_set():
                await asyncio.sleep(0.02)
            if self._output is None:
                raise RuntimeError("search bundle cancelled")
            await index.write_files(output_path=str(self._output))

    def write(self, site_dir: Path) -> Path:
        self._output = Path(site_dir) / "pagefind"
        self._go.set()
        self._thread.join()
        if self._error is not None:
            raise RuntimeError(f"Pagefind failed: {self._error}") from self._error
        return self._output

    def cancel(self) -> None:
        self._go.set()
        self._thread.join()
