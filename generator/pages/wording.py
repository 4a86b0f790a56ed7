"""Interface strings shown both by page templates and by the browser's search results.

Templates reach them as the globals `VIEW_ONLY` and the filter `expiry_note`;
the Pagefind records and the finder's data carry the same text.
"""

import datetime as dt

VIEW_ONLY = "仅供浏览"  # a work whose rights permit no use


def expiry_note(days: int) -> str:
    """The warning on a work whose rights end soon.

    >>> expiry_note(12)
    '授权 12 天后到期'
    """
    return f"授权 {days} 天后到期"


def expiry_label(expires: dt.date | None) -> str:
    """How every listing, work page and kit states the end of the rights.

    >>> expiry_label(dt.date(2028, 7, 31)), expiry_label(None)
    ('授权至 2028-07-31', '长期有效')
    """
    return f"授权至 {expires.isoformat()}" if expires else "长期有效"
