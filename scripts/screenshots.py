"""Screenshot pages of a built site in headless Chromium (desktop and phone).

    python scripts/screenshots.py site/ out/ / works/<id>/ hall-of-fame/
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(root: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(site: str, out: str, *urls: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    server = serve(Path(site))
    base = f"http://127.0.0.1:{server.server_port}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            pg = browser.new_page(viewport=viewport, device_scale_factor=1)
            for url in urls or ("",):
                pg.goto(base + url.lstrip("/"))
                slug = url.strip("/").replace("/", "_") or "home"
                pg.screenshot(path=str(out_dir / f"{slug}-{name}.png"), full_page=True)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:])
