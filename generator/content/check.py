"""Check: load every source file and validate it, without rendering anything.

`koc check` runs this alone: nothing is rendered and no index is opened (collection
queries are only parsed, with the search schema, to report the ones that cannot run).
"""

from __future__ import annotations

from generator.content.load import load_library
from generator.options import Options
from generator.search.index import make_schema
from generator.search.query import QueryError, make_resolver, parse_query
from generator.content.validate import Checked, validate_library


def check_library(options: Options) -> Checked:
    """Load and validate; every problem of the whole library in one list."""
    raw = load_library(options.content_dir, options.project_dir, options.cache_dir)
    schema = make_schema()

    def check_query(text: str, library, tags) -> str | None:
        try:
            parse_query(text, schema, make_resolver(library, tags))
        except QueryError as exc:
            return str(exc)
        return None

    return validate_library(raw, check_query)
