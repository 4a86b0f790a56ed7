"""Render: page view data → page sources (site path → Markdown).

Templates live in `site_templates/pages/` and only present. Every string
from content reaches the page through Jinja's HTML autoescaping inside HTML
blocks, where Markdown does not reinterpret it; page titles, which the theme
prints in places we do not control, lose their markup characters instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

from generator.model import TIER_LABELS
from generator.pages.kit import KIT_UI
from generator.pages.routes import Routes
from generator.pages.wording import VIEW_ONLY, expiry_note

# Characters that could become markup in the theme's own title slots.
_TITLE_SAFE = str.maketrans({"<": "＜", ">": "＞", "&": "＆", "\n": " ", "\r": " "})


def safe_title(text: str) -> str:
    return text.translate(_TITLE_SAFE)


def stars(score: int | None) -> str:
    return "★" * score + "☆" * (5 - score) if score else ""


# One Jinja environment per templates folder for the life of the process, so
# that `koc serve` does not compile every template again on each save; Jinja
# still reloads a template whose file changed (auto_reload checks its mtime).
_ENVIRONMENTS: dict[str, Environment] = {}


def _environment(templates_dir: Path) -> Environment:
    folder = str(Path(templates_dir).resolve() / "pages")
    if folder not in _ENVIRONMENTS:
        env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=StrictUndefined,
            auto_reload=True,
        )
        env.filters["stars"] = stars
        env.filters["url"] = _url
        env.globals["route"] = _route
        env.globals["VIEW_ONLY"] = VIEW_ONLY
        env.filters["expiry_note"] = expiry_note
        env.globals["TIER_LABELS"] = TIER_LABELS
        env.globals["KIT_UI"] = KIT_UI
        _ENVIRONMENTS[folder] = env
    return _ENVIRONMENTS[folder]


@pass_context
def _url(context, target: str) -> str:
    """`{{ card.url | url }}`: a site URL (page, media file, asset; '' for the root) as a link from this page."""
    return context["routes"].link(target, context["page_src"])


@pass_context
def _route(context, kind: str, **key) -> str:
    """`{{ route("contributor", id=person.id) | url }}`: the site URL of a page, from the route table."""
    return context["routes"].url(kind, **key)


class Renderer:
    def __init__(self, templates_dir: Path, routes: Routes):
        self.env = _environment(templates_dir)
        self.routes = routes  # per build: passed to each render, not kept in the shared environment

    def page(self, src_path: str, template: str, title: str, meta: dict | None = None, **context) -> str:
        """The page source: front matter, then the body."""
        # JSON is valid YAML and escapes everything YAML could misread.
        header = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in front_matter(title, meta).items())
        return f"---\n{header}---\n\n{self.body(src_path, template, title, **context)}"

    def body(self, src_path: str, template: str, title: str, **context) -> str:
        """The page without its front matter: what an engine renders into the theme."""
        return self.env.get_template(template).render(page_src=src_path, routes=self.routes, title=title, **context)


def front_matter(title: str, meta: dict | None = None) -> dict:
    """A page's metadata as an engine reads it back from the source's front matter."""
    return {"title": safe_title(title), **(meta or {})}
