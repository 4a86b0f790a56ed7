"""The media files the pages use: originals, web-sized copies of images, avatars."""

from __future__ import annotations

from pathlib import Path

from generator.content.references import media_problem
from generator.model import Work
from generator.pages.images import CARD_WIDTH, PAGE_WIDTH, sized_path, web_image
from generator.pages.spec import PageInputs


def local_images(work: Work) -> list[str]:
    refs = [work.cover, *(m.src for m in work.media if m.type == "image")]
    return [r.path for r in refs if r and r.path]


def local_media(work: Work, body_media) -> list[str]:
    refs = [work.cover, *(m.src for m in work.media)]
    return [r.path for r in refs if r and r.path] + list(body_media)


def page_assets(inputs: PageInputs) -> dict[str, Path]:
    """Site path → file to copy, for every work with a page and every contributor with a profile."""
    options, cat = inputs.options, inputs.catalog
    assets: dict[str, Path] = {}
    for work in cat.shown:
        for src in local_media(work, inputs.bodies[work.id].local_media):
            # Checked again here: a preview builds despite errors, and only what passes the media rule is published.
            if media_problem(options.content_dir, src) is None:
                assets[src] = options.content_dir / src
        for src in local_images(work):
            for width in (CARD_WIDTH, PAGE_WIDTH):
                assets[sized_path(src, width)] = web_image(options.content_dir / src, options.cache_dir, width)
    for person in cat.library.contributors.values():
        if person.avatar and cat.has_profile(person.id):
            assets[person.avatar] = options.content_dir / person.avatar
    return assets

