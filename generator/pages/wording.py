"""Interface strings shown both by page templates and by the browser's search results.

Templates reach them as the globals `VIEW_ONLY` and the filter `expiry_note`;
the Pagefind records and the finder's data carry the same text.
"""

VIEW_ONLY = "仅供浏览"  # a work whose rights permit no use


def expiry_note(days: int) -> str:
    """The warning on a work whose rights end soon.

    >>> expiry_note(12)
    '授权 12 天后到期'
    """
    return f"授权 {days} 天后到期"
