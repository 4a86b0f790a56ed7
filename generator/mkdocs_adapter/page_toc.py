"""Generated pages are HTML already: the table of contents, read off their <h2>s.

Our templates write every page as HTML blocks (valid Markdown, so exported pages
still build with any engine), with an explicit ASCII id on each section heading.
MkDocs would spend most of a cold build re-parsing that HTML with Python-Markdown,
so the plugin hands the page over as it is, with this table of contents.

Example:
    >>> page_toc('<h2 id="reuse">复用记录</h2>')
    [{'level': 2, 'id': 'reuse', 'name': '复用记录', 'children': []}]
"""

from __future__ import annotations

import re

_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)


def page_toc(html: str) -> list[dict]:
    """Toc tokens in the shape of Python-Markdown's toc extension (what MkDocs' get_toc reads)."""
    return [{"level": 2, "id": hid, "name": name, "children": []} for hid, name in _H2.findall(html)]
