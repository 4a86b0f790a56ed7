"""Kits: works a reader gathers from any listing for a training or a dealer meeting.

A kit lives in its URL (`kit/?works=a,b,c`), so it is a link to share or
bookmark and needs no server. The kit page is one static page; its script
fetches, for each work in the URL, a small file this module writes at build
time (`kit/works/<id>.json`: what the kit prints about the work) and shows the
work's QR code (`kit/qr/<id>.svg`, made with segno). Only works listed in this
edition get these files, so a kit can never offer a work the edition does not
publish: an id without a file is reported as unavailable.

Example:
    >>> kit_url(Routes(), ["a", "b"], "冬季用车")
    'kit/?works=a%2Cb&title=%E5%86%AC%E5%AD%A3%E7%94%A8%E8%BD%A6'
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Callable, Iterator
from urllib.parse import urlencode

import segno

from generator.model import TYPE_LABELS, USE_LABELS, Use
from generator.pages.routes import Routes
from generator.pages.spec import LISTING, PageInputs, PageSpec
from generator.pages.wording import VIEW_ONLY

# The words of the kit controls, in one place: the kit page hands them to kit.js,
# and the buttons on other pages print the same ones.
KIT_UI = {
    "add": "加入资料包",
    "added": "已在资料包中",
    "removed": "已移出资料包",
    "open": "查看资料包",
    "copy_link": "复制链接",
    "copy_credit": "复制署名",
    "copy_credits": "复制全部署名",
    "copied": "已复制",
    "copy_failed": "复制失败，请手动选择文字复制",
    "print": "打印 / 存为 PDF",
    "clear_kit": "清空资料包",
    "remove": "移除",
    "up": "上移",
    "down": "下移",
    "meeting_date": "会议日期",
    "empty": "资料包是空的。在案例查找、培训素材、经销商会议素材、合集或作品页上点“加入资料包”，作品会按加入的顺序列在这里。",
    "count": "共 {n} 件作品",
    "expired_before": "⚠ 授权于 {date} 到期，早于会议日期 {meeting}，届时不可使用",
    "expiring_count": "其中 {n} 件的授权在会议日期前到期（红色标出）",
    "unavailable": "以下作品不在本版本中发布，未列入资料包：{ids}",
    "credit_prefix": "引用请注明：",
    "credits": "署名",
    "rights": "授权",
    "view_only": VIEW_ONLY,
    "link": "链接",
}


@dataclass(frozen=True)
class KitPage:
    ui: dict[str, str]
    data: str  # site URL of kit/works/, where koc-kit.js finds each work's file


def kit_url(routes: Routes, ids: list[str], title: str = "") -> str:
    """The site URL of a kit of these works, in this order (a collection's printable view)."""
    query = {"works": ",".join(ids)}
    if title:
        query["title"] = title
    return f"{routes.url('kit')}?{urlencode(query)}"


def kit_page(inputs: PageInputs) -> Iterator[PageSpec]:
    page = KitPage(KIT_UI, "kit/works/")
    yield PageSpec(inputs.routes.source("kit"), "kit.md.j2", "资料包", page, dict(LISTING, hide=["navigation", "toc"]))


# Bump when the QR codes' look or content changes, so cached ones are made anew.
QR_VERSION = 1
# One fixed mask pattern (any of the eight makes a valid code): choosing the best of
# eight is what costs segno ~10 ms a code, 8 minutes for a cold build at 50,000 works;
# with error correction M the codes decode as well (tests/test_kits.py decodes them).
QR_MASK = 2


def qr_svg(url: str) -> str:
    """A QR code of `url` as a standalone SVG (black modules on white, a quiet zone of 4)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m", mask=QR_MASK).save(out, kind="svg", xmldecl=False, nl=False, scale=4, border=4,
                                                     dark="#000", light="#fff", title=url)
    return out.getvalue().decode("utf-8")


def kit_files(inputs: PageInputs, qr: Callable[[str], str] = qr_svg) -> dict[str, bytes]:
    """`kit/works/<id>.json` for every work listed in this edition, and its QR code
    `kit/qr/<id>.svg` when the site's address is known (`qr`: URL → SVG, e.g. through a cache)."""
    cat, routes, base = inputs.catalog, inputs.routes, inputs.options.site_url
    files: dict[str, bytes] = {}
    for work in cat.listed:
        card = inputs.cards[work.id]
        absolute = base.rstrip("/") + "/" + card.url if base else ""
        record = {
            "id": work.id,
            "url": card.url,  # site URL; kit.js makes it a link from the kit page
            "absolute": absolute,
            "title": work.title,
            "type": TYPE_LABELS[work.type],
            "date": card.date,
            "summary": work.summary,
            "cover": card.cover or "",
            "credits": [{"name": c.name, "role": c.role, "note": c.role_note} for c in card.credits],
            "credit_line": card.credit_line,
            "uses": [[USE_LABELS[u], u in work.rights.uses] for u in Use],
            "expires": card.expires or "",
            "expiry_label": card.expiry_label,
            "qr": f"kit/qr/{work.id}.svg" if absolute else "",
        }
        files[f"kit/works/{work.id}.json"] = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if absolute:
            files[f"kit/qr/{work.id}.svg"] = qr(absolute).encode("utf-8")
    return files
