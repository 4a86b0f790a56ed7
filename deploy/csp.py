"""The Content-Security-Policy of one built edition, computed from the built files.

The policy allows exactly what the site uses: its own scripts, styles, images and
Pagefind (WebAssembly needs 'wasm-unsafe-eval', its worker is a file of the
site), no inline script except the ones in the built pages, each allowed by its
SHA-256 hash. Material's templates put small inline scripts in every page (the
`__md_scope` set-up, which differs with the page's depth, the palette and the
anchor fix); hashing them at deploy time keeps Material's templates untouched
and keeps the policy right after a Material upgrade. JSON data blocks
(`<script type="application/json">`) are never executed, so they need no hash.

    python deploy/csp.py site            # prints the policy
    python deploy/csp.py site --caddy F  # writes F: a `header Content-Security-Policy …` line for Caddy

Exits with status 1 (and says where) if a page has something no hash can
allow: an event-handler attribute (onclick=…) or a javascript: URL.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

# Script types that a browser executes; any other type is a data block.
EXECUTABLE_TYPES = {"", "module", "importmap", "speculationrules", "text/javascript", "application/javascript",
                    "text/ecmascript", "application/ecmascript"}
# Elements whose absolute `src` names an origin the policy must allow, by directive
# (a cover given as an https:// URL, a video embedded from an `embed_hosts` host).
EXTERNAL_SOURCES = {"img": "img-src", "iframe": "frame-src", "video": "media-src", "audio": "media-src",
                    "source": "media-src"}


@dataclass
class Inventory:
    """What the pages of a site need from a policy."""

    script_hashes: set[str] = field(default_factory=set)
    style_hashes: set[str] = field(default_factory=set)
    origins: dict[str, set[str]] = field(default_factory=dict)
    has_base: bool = False
    problems: list[str] = field(default_factory=list)


def _sha256(text: str) -> str:
    # Browsers hash the element's text after the HTML parser normalised newlines.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


class _PageScanner(HTMLParser):
    def __init__(self, inventory: Inventory, where: str):
        super().__init__(convert_charrefs=False)
        self.inventory, self.where = inventory, where
        self.inline: str | None = None  # "script" or "style" while inside one without src
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v or "") for k, v in attrs}
        for name, value in attrs.items():
            if name.startswith("on"):
                self.inventory.problems.append(f"{self.where}: <{tag} {name}=…> is an inline event handler")
            elif name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                self.inventory.problems.append(f"{self.where}: <{tag} {name}=\"javascript:…\">")
        if "style" in attrs:
            self.inventory.problems.append(f"{self.where}: <{tag} style=…> is an inline style attribute")
        if tag in EXTERNAL_SOURCES and "src" in attrs:
            url = urlsplit(attrs["src"].strip())
            directive = EXTERNAL_SOURCES[tag]
            if url.scheme in ("http", "https") and url.netloc:
                self.inventory.origins.setdefault(directive, set()).add(f"{url.scheme}://{url.netloc}")
        if tag == "base":
            self.inventory.has_base = True
        if tag == "script" and "src" not in attrs and attrs.get("type", "").strip().lower() in EXECUTABLE_TYPES:
            self.inline, self.text = "script", []
        elif tag == "style":
            self.inline, self.text = "style", []

    def handle_data(self, data):
        if self.inline:
            self.text.append(data)

    def handle_endtag(self, tag):
        if self.inline == tag:
            target = self.inventory.script_hashes if tag == "script" else self.inventory.style_hashes
            target.add(_sha256("".join(self.text)))
            self.inline = None


def scan_site(site: Path) -> Inventory:
    """Every HTML page of `site`, read once."""
    inventory = Inventory()
    for page in sorted(site.rglob("*.html")):
        scanner = _PageScanner(inventory, page.relative_to(site).as_posix())
        scanner.feed(page.read_text(encoding="utf-8"))
        scanner.close()
    return inventory


def policy(inventory: Inventory) -> str:
    """The header value, directives in a fixed order so that the same site gives the same policy.

    >>> policy(Inventory(script_hashes={"'sha256-x'"})).split("; ")[1]
    "script-src 'self' 'wasm-unsafe-eval' 'sha256-x'"
    """
    def sources(directive: str, *own: str) -> str:
        extra = sorted(inventory.origins.get(directive, ()))
        return " ".join([directive, *own, *extra]) if own or extra else f"{directive} 'none'"

    return "; ".join([
        "default-src 'none'",
        " ".join(["script-src 'self' 'wasm-unsafe-eval'", *sorted(inventory.script_hashes)]),
        " ".join(["style-src 'self'", *sorted(inventory.style_hashes)]),
        # data: for the icons Material's stylesheet embeds as data: URLs.
        sources("img-src", "'self'", "data:"),
        "font-src 'self'",
        # Pagefind's index chunks and the finder's data files.
        "connect-src 'self'",
        # Pagefind 1.5 starts its worker from pagefind/pagefind-worker.js.
        "worker-src 'self'",
        "manifest-src 'self'",
        sources("media-src", "'self'"),
        sources("frame-src"),
        "object-src 'none'",
        "base-uri 'self'" if inventory.has_base else "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def caddy_snippet(value: str) -> str:
    """A Caddyfile line setting the header; the value holds no double quote."""
    assert '"' not in value and "\n" not in value
    return f'header Content-Security-Policy "{value}"\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built edition (e.g. site, site-dealer)")
    parser.add_argument("--caddy", type=Path, metavar="FILE", help="write a Caddyfile snippet to FILE")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site}: not a built site (no index.html)", file=sys.stderr)
        return 2
    inventory = scan_site(args.site)
    if inventory.problems:
        print("no Content-Security-Policy can allow these without 'unsafe-inline':", file=sys.stderr)
        print("\n".join(f"  {p}" for p in sorted(set(inventory.problems))), file=sys.stderr)
        return 1
    value = policy(inventory)
    if args.caddy:
        args.caddy.write_text(caddy_snippet(value), encoding="utf-8")
    else:
        print(value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
