"""Write tests/data/demo-pages.json: a hash of every page of both demo editions, whitespace aside.

    python scripts/page_manifest.py

Run it when a page changes on purpose; tests/test_demo_pages.py then checks that
the demo site still comes out exactly so, and a refactoring that changes no page
leaves this file as it is.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from demo_build import MANIFEST, MANIFEST_AS_OF, build_demo, page_hashes  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="koc-manifest-") as tmp:
        editions = {audience: page_hashes(build_demo(Path(tmp), audience)) for audience in ("internal", "dealer")}
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    MANIFEST.write_text(json.dumps({"as_of": MANIFEST_AS_OF, "editions": editions}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{MANIFEST}: {sum(map(len, editions.values()))} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
