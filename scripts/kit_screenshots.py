"""README screenshots of a kit: desktop, phone, and the first printed A4 page.

    python scripts/kit_screenshots.py            # writes docs/screenshots/kit-*.png

Builds the demo library (internal edition, with a site_url so the kit has QR codes)
into a temporary folder, opens a kit of three works with a meeting date that one of
them does not reach, and prints it with Chromium (`pdftoppm` renders page 1).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from demo_build import MANIFEST_AS_OF, demo_project  # noqa: E402
from screenshots import CHROMIUM_ARGS, serve  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
KIT = "kit/?works=2025-s5ev-harbin-minus28-video,2025-l7-camping-second-row,2024-l7-camping-photo-set&date=2027-06-15&title=冬季与露营：经销商会议"


def main() -> int:
    from generator.cli import main as koc

    with tempfile.TemporaryDirectory(prefix="koc-kit-shots-") as tmp:
        project = demo_project(Path(tmp) / "p")
        config = project / "mkdocs.yml"
        config.write_text("site_url: https://koc.example.com/\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
        site = Path(tmp) / "site"
        assert koc(["--project", str(project), "build", "--as-of", MANIFEST_AS_OF, "--site-dir", str(site)]) == 0
        server = serve(site)
        base = f"http://127.0.0.1:{server.server_port}/"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
                pg = browser.new_page(viewport=viewport, device_scale_factor=1)
                pg.goto(base + KIT)
                pg.wait_for_function("document.getElementById('koc-kit').dataset.count !== undefined")
                pg.wait_for_function("[...document.querySelectorAll('.koc-kit__qr-code, .koc-kit__cover')].every((i) => i.complete)")
                # Material fades its tabs in: wait until nothing is moving.
                pg.wait_for_function("document.getAnimations().every((a) => a.playState !== 'running')")
                pg.screenshot(path=str(OUT / f"kit-{name}.png"), full_page=name == "desktop")
                if name == "desktop":
                    pdf = Path(tmp) / "kit.pdf"
                    pg.pdf(path=str(pdf), prefer_css_page_size=True)
                    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                                    str(OUT / "kit-print")], check=True)
                pg.close()
            browser.close()
        server.shutdown()
    print(f"{OUT}/kit-desktop.png, kit-phone.png, kit-print.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
