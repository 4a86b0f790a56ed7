"""Material's navigation sidebar and tabs, rendered once per kind of page.

Material renders the whole navigation (sidebar and tabs) into every page:
at 5,000 works that is a third of MkDocs' page-writing time. For a page
outside the navigation the result depends only on the folder the page sits
in (links are relative: `works/a/` and `works/b/` both link `../../finder/`)
and on whether the page hides its navigation, so it is rendered once per
such key and reused. Pages in the navigation (their own entry is
highlighted) are always rendered in full.

`main.html` wraps the two blocks in `{% call chrome("nav") %}`, which calls this.
"""

from __future__ import annotations

from markupsafe import Markup


class ChromeCache:
    def __init__(self, nav_pages):
        self._in_nav = {p.url for p in nav_pages}
        self._html: dict[tuple, Markup] = {}

    def __call__(self, part: str, page, caller) -> Markup:
        key = self.key(part, page)
        if key is None:
            return caller()
        if key not in self._html:
            self._html[key] = Markup(caller())
        return self._html[key]

    def key(self, part: str, page) -> tuple | None:
        if page is None or page.url in self._in_nav:
            return None
        hide = (page.meta or {}).get("hide") or ()
        folder = page.url.rstrip("/").rpartition("/")[0]
        return part, folder, "navigation" in hide
