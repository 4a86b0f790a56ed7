"""Kits, print, rights at a glance, copy buttons and the multi-value finder (issue 13),
on the built demo site of both editions, in headless Chromium.

Each edition is built with a `site_url`, as a deployment would set it, so the kit's
QR codes carry the works' full addresses; they are decoded with zbar (`zbarimg`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from demo_build import MANIFEST_AS_OF

from chromium import CHROMIUM  # noqa: E402
if not CHROMIUM.exists():
    pytest.skip("browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium)", allow_module_level=True)


pytestmark = [pytest.mark.browser, pytest.mark.slow]
SITE_URLS = {"internal": "https://koc.example.com/", "dealer": "https://dealer.koc.example.com/"}
NAV_LABELS = ("全部作品", "使用场景", "名人堂", "编辑指南")
CONTROL_LABELS = ("复制全部署名", "打印 / 存为 PDF", "清空资料包", "加入资料包", "会议日期", "排序", "上移", "移除")


@pytest.fixture(scope="module", params=["internal", "dealer"])
def edition(request, demo_site, served):
    """(audience, site folder, base URL of a local server, library of that build)."""
    from generator.mkdocs_adapter.config import read_options

    audience = request.param
    site = demo_site(audience, as_of=MANIFEST_AS_OF, site_url=SITE_URLS[audience])
    options = read_options(site.parent / "mkdocs.yml", as_of=MANIFEST_AS_OF, audience=audience)
    return audience, site, served(site), library_of(options)


def library_of(options):
    """What the edition lists, straight from the content (not from the built pages)."""
    from generator.catalog.catalog import build_catalog
    from generator.catalog.rights import Edition
    from generator.content.check import check_library
    from generator.pages.cards import credit_line

    checked = check_library(options)
    cat = build_catalog(checked.library, Edition(options.audience, options.as_of), checked.tags)
    return {"catalog": cat, "credit": {w.id: credit_line(w, cat.library.contributors) for w in cat.listed}}


def new_context(browser, base, **kw):
    context = browser.new_context(**kw)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))
    return context


def kit_ready(pg, n):
    # `?.`: right after a click on a link the old page may still be the document polled;
    # it has no kit, which is "not ready yet", not an error.
    pg.wait_for_function(f"document.getElementById('koc-kit')?.dataset.count === '{n}'", timeout=45000)


def finder_ready(pg):
    pg.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=45000)


def test_a_kit_gathered_from_the_finder_and_a_work_page_is_a_link(browser, edition):
    audience, site, base, lib = edition
    cat = lib["catalog"]
    context = new_context(browser, base, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(base + "finder/?use=dealer_meeting")
    finder_ready(pg)
    cards = pg.query_selector_all(".koc-finder__results .koc-card")
    picked = [cards[1].query_selector("[data-koc-kit-add]").get_attribute("data-koc-kit-add"),
              cards[0].query_selector("[data-koc-kit-add]").get_attribute("data-koc-kit-add")]
    cards[1].query_selector("[data-koc-kit-add]").click()
    cards[0].query_selector("[data-koc-kit-add]").click()
    pg.wait_for_selector("[data-koc-kit-add][aria-pressed=true] >> nth=1")
    # The third from its own page: the oldest listed work, far from the finder's first page.
    third = cat.listed[-1].id
    pg.goto(base + f"works/{third}/")
    pg.click(f"[data-koc-kit-add='{third}']")
    pg.wait_for_selector(f"[data-koc-kit-add='{third}'][aria-pressed=true]")
    kit_link = pg.get_attribute(".koc-kit-badge", "href")
    assert "（3）" in pg.inner_text(".koc-kit-badge")
    pg.goto(kit_link)
    kit_ready(pg, 3)
    kit_url = pg.url
    assert errors == []
    context.close()

    order = picked + [third]
    assert re.search(r"[?&]works=" + ",".join(order) + r"(&|$)", kit_url), kit_url
    # A fresh browser (no stored kit): the link alone brings back the same works in the same order.
    context = new_context(browser, base, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(kit_url)
    kit_ready(pg, 3)
    works = {w.id: w for w in cat.listed}
    items = pg.query_selector_all(".koc-kit__item")
    assert [i.get_attribute("data-id") for i in items] == order
    assert [i.query_selector(".koc-kit__name").inner_text() for i in items] == [works[i].title for i in order]
    for item, wid in zip(items, order):
        w = works[wid]
        assert item.query_selector(".koc-kit__credit-line strong").inner_text() == lib["credit"][wid]
        expiry = w.rights.expires.isoformat() if w.rights.expires else "长期有效"
        assert expiry in item.query_selector(".koc-kit__expiry").inner_text()
        uses = item.query_selector(".koc-kit__uses").inner_text()
        assert ("✓ 经销商会议" in uses) == ("dealer_meeting" in {u.value for u in w.rights.uses})
        assert item.query_selector(".koc-kit__qr-code") is not None
        assert item.query_selector(".koc-kit__qr figcaption").inner_text() == SITE_URLS[audience] + f"works/{wid}/"

    # "Copy all credit lines": the exact lines, one per line, in the kit's order.
    pg.click("[data-kit-copy-credits]")
    pg.wait_for_function("document.querySelector('[data-kit-copy-credits]').textContent.includes('已复制')")
    assert pg.evaluate("navigator.clipboard.readText()") == "\n".join(lib["credit"][i] for i in order)
    context.close()


def test_qr_codes_decode_to_the_works_urls(browser, edition, tmp_path):
    if not shutil.which("zbarimg"):
        pytest.skip("zbarimg (zbar-tools) is not installed")
    audience, site, base, lib = edition
    ids = [w.id for w in lib["catalog"].listed[:3]]
    pg = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=2)
    pg.goto(base + "kit/?works=" + ",".join(ids))
    kit_ready(pg, 3)
    decoded = []
    for n, img in enumerate(pg.query_selector_all(".koc-kit__qr-code")):
        img.scroll_into_view_if_needed()
        pg.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img)
        shot = tmp_path / f"qr-{n}.png"
        img.screenshot(path=str(shot))
        out = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True, check=True)
        decoded.append(out.stdout.strip())
    pg.close()
    assert decoded == [SITE_URLS[audience] + f"works/{i}/" for i in ids]


def test_a_kit_never_offers_a_work_the_edition_does_not_publish(browser, edition):
    audience, site, base, lib = edition
    cat = lib["catalog"]
    offline = [w.id for w in cat.library.works if w.id not in {x.id for x in cat.listed}]
    assert offline, "the demo has works this edition does not list"
    listed = cat.listed[0].id
    pg = browser.new_page()
    pg.goto(base + f"kit/?works={offline[0]},{listed},../../etc/passwd")
    kit_ready(pg, 1)
    assert [i.get_attribute("data-id") for i in pg.query_selector_all(".koc-kit__item")] == [listed]
    assert offline[0] in pg.inner_text(".koc-kit__unavailable")
    assert "works=" + listed in pg.url and offline[0] not in pg.url
    # Nor does any page offer to add one: only listed works have a kit file.
    assert not (site / "kit" / "works" / f"{offline[0]}.json").exists()
    assert len(list((site / "kit" / "works").glob("*.json"))) == len(cat.listed)
    pg.close()


def test_meeting_date_flags_works_whose_rights_end_before_it(browser, edition):
    audience, site, base, lib = edition
    ending = sorted((w for w in lib["catalog"].listed if w.rights.expires), key=lambda w: w.rights.expires)
    lasting = next(w for w in lib["catalog"].listed if not w.rights.expires)
    first = ending[0]
    pg = browser.new_page()
    pg.goto(base + f"kit/?works={first.id},{lasting.id}")
    kit_ready(pg, 2)
    assert not pg.query_selector(".koc-kit__item--expired")
    meeting = first.rights.expires.toordinal() + 1
    import datetime as dt
    pg.fill("[name=meeting]", dt.date.fromordinal(meeting).isoformat())
    pg.dispatch_event("[name=meeting]", "change")
    pg.wait_for_selector(".koc-kit__item--expired")
    flagged = [e.get_attribute("data-id") for e in pg.query_selector_all(".koc-kit__item--expired")]
    assert flagged == [first.id]
    warn = pg.query_selector(f"[data-id='{first.id}'] .koc-kit__warn")
    assert first.rights.expires.isoformat() in warn.inner_text()
    r, g, b = map(int, re.findall(r"\d+", warn.evaluate("e => getComputedStyle(e).color"))[:3])
    assert r > 150 and g < 60 and b < 60  # red
    assert "meeting=" not in pg.url and "date=" in pg.url  # kept in the kit's link too
    pg.close()


def test_multi_value_finder_url_restores(browser, edition):
    audience, site, base, lib = edition
    cat = lib["catalog"]
    scenarios = [s for s, ws in sorted(cat.by_scenario.items(), key=lambda kv: -len(kv[1]))][:2]
    types = sorted({w.type.value for w in cat.listed})[:3]
    expected = {w.id for w in cat.listed if set(w.scenarios) & set(scenarios) and w.type.value in types}
    assert expected
    pg = browser.new_page()
    pg.goto(base + f"finder/?scenario={','.join(scenarios)}&type={','.join(types)}")
    finder_ready(pg)
    ticked = lambda f: sorted(e.get_attribute("value") for e in pg.query_selector_all(f".koc-finder__options input[name={f}]:checked"))  # noqa: E731
    assert ticked("scenario") == sorted(scenarios) and ticked("type") == types
    assert pg.inner_text(".koc-finder__status").startswith(f"共 {len(expected)} 件作品")
    while pg.is_visible(".koc-finder__more"):
        n = len(pg.query_selector_all(".koc-finder__results .koc-card"))
        pg.click(".koc-finder__more")
        pg.wait_for_function(f"document.querySelectorAll('.koc-finder__results .koc-card').length > {n}")
    shown = {e.get_attribute("data-koc-kit-add") for e in pg.query_selector_all(".koc-finder__results [data-koc-kit-add]")}
    assert shown == expected
    # A scenario's count is what ticking it too would add under the other filters (OR within).
    label = pg.query_selector(f".koc-finder__options input[name=scenario][value='{scenarios[0]}']").evaluate("e => e.parentElement.textContent")
    own = {w.id for w in cat.listed if scenarios[0] in w.scenarios and w.type.value in types}
    assert label.strip().endswith(f"（{len(own)}）")
    # A meeting date hides works whose rights end before it.
    ending = sorted(w.rights.expires for w in cat.listed if w.id in expected and w.rights.expires)
    if ending:
        pg.goto(pg.url + f"&meeting={ending[0].isoformat()}")
        finder_ready(pg)
        left = {i for i in expected if not (e := next(w for w in cat.listed if w.id == i).rights.expires) or e >= ending[0]}
        assert pg.inner_text(".koc-finder__status").startswith(f"共 {len(left)} 件作品")
    pg.close()


def test_the_rights_verdict_opens_the_work_page_on_a_phone(browser, edition):
    audience, site, base, lib = edition
    cat = lib["catalog"]
    pg = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    # The longest titles push the verdict down the most.
    for w in sorted(cat.listed, key=lambda w: -len(w.title))[:3] + [cat.listed[0]]:
        pg.goto(base + f"works/{w.id}/")
        box = pg.query_selector(".koc-verdict").bounding_box()
        assert box["y"] + box["height"] <= 844, (w.id, box)
        text = pg.inner_text(".koc-verdict")
        ok = "dealer_meeting" in {u.value for u in w.rights.uses}
        assert text.startswith("✓ 可在经销商会议展示" if ok else "✗ 不可用于经销商会议")
        if ok:
            assert (w.rights.expires.isoformat() if w.rights.expires else "长期有效") in text
        body = pg.query_selector("#body").bounding_box()
        assert body["y"] > box["y"]
    pg.close()


def test_copy_buttons_on_a_work_page(browser, edition):
    audience, site, base, lib = edition
    w = lib["catalog"].listed[0]
    context = new_context(browser, base)
    pg = context.new_page()
    pg.goto(base + f"works/{w.id}/")
    pg.click(".koc-credit-line [data-koc-copy]")
    pg.wait_for_function("document.querySelector('.koc-credit-line [data-koc-copy]').textContent.includes('已复制')")
    assert pg.evaluate("navigator.clipboard.readText()") == lib["credit"][w.id]
    pg.click(".koc-work-actions [data-koc-copy-link]")
    pg.wait_for_function("document.querySelector('.koc-work-actions [data-koc-copy-link]').textContent.includes('已复制')")
    assert pg.evaluate("navigator.clipboard.readText()") == pg.url
    context.close()


def pdf_text(pg, path: Path, layout: bool = True) -> tuple[str, str]:
    """pdfinfo's report and pdftotext's text; `layout=False` reads columns one after the other."""
    if not (shutil.which("pdftotext") and shutil.which("pdfinfo")):
        pytest.skip("pdftotext/pdfinfo (poppler-utils) are not installed; .ci/run installs them")
    pg.emulate_media(media="print")
    pg.pdf(path=str(path), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    return info, text


def test_printing_a_kit_and_a_work_page(browser, edition, tmp_path):
    audience, site, base, lib = edition
    cat = lib["catalog"]
    # The kit: works with internal review notes, if the edition has any, and with an end date.
    noted = [w for w in cat.listed if w.evaluation and w.evaluation.feedback]
    ids = list(dict.fromkeys([w.id for w in noted[:2]] + [w.id for w in cat.listed if w.rights.expires][:2]))
    pg = browser.new_page()
    pg.goto(base + "kit/?works=" + ",".join(ids))
    kit_ready(pg, len(ids))
    pg.wait_for_function("[...document.querySelectorAll('.koc-kit__qr-code')].every((i) => i.complete)")
    info, text = pdf_text(pg, tmp_path / "kit.pdf")
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info), info
    flat = re.sub(r"\s+", "", text)
    works = {w.id: w for w in cat.listed}
    for i in ids:
        assert re.sub(r"\s+", "", lib["credit"][i]) in flat, lib["credit"][i]
        w = works[i]
        assert (w.rights.expires.isoformat() if w.rights.expires else "长期有效") in flat
    for label in NAV_LABELS + CONTROL_LABELS:
        assert label not in text, label
    for w in noted:
        assert re.sub(r"\s+", "", w.evaluation.feedback)[:12] not in flat

    # A work page with internal notes (internal edition): none of them on paper, nor related works.
    w = noted[0] if noted else cat.listed[0]
    pg.goto(base + f"works/{w.id}/")
    info, text = pdf_text(pg, tmp_path / "work.pdf")
    assert re.search(r"\(A4\)", info)
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", lib["credit"][w.id]) in flat and w.title[:10] in flat
    assert "相关作品" not in text and "内部反馈" not in text
    if w.evaluation and w.evaluation.feedback:
        assert re.sub(r"\s+", "", w.evaluation.feedback)[:12] not in flat
    for label in NAV_LABELS + ("加入资料包", "复制链接"):
        assert label not in text, label
    assert f"works/{w.id}/" in flat  # the page's address, printed short
    pg.close()


def test_collections_read_in_words_and_print_as_kits(browser, edition):
    audience, site, base, lib = edition
    cat = lib["catalog"]
    pages = sorted((site / "collections").glob("*/index.html"))
    assert pages
    pg = browser.new_page()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        if page.parent.name == "collections" or "打印版资料包" not in html:
            continue
        pg.goto(base + page.relative_to(site).parent.as_posix() + "/")
        text = pg.inner_text("article")
        assert "收录条件：" in text and not re.search(r"\b(use|scenario|type|featured):", text)
        ids = [e.get_attribute("data-koc-kit-add") for e in pg.query_selector_all(".koc-card [data-koc-kit-add]")]
        pg.click("text=打印版资料包")
        # The click returns before the kit page has replaced the collection on a busy machine.
        pg.wait_for_url(re.compile(r"/kit/\?works="), timeout=45000)
        kit_ready(pg, len(ids))
        assert [i.get_attribute("data-id") for i in pg.query_selector_all(".koc-kit__item")] == ids
        assert pg.inner_text(".koc-kit__title").startswith("资料包：")
    pg.close()


def test_a_collections_kit_leaves_the_kit_being_gathered_alone(browser, edition):
    audience, site, base, lib = edition
    collection = next(p for p in sorted((site / "collections").glob("*/index.html"))
                      if "打印版资料包" in p.read_text(encoding="utf-8"))
    mine = lib["catalog"].listed[-1].id
    context = new_context(browser, base, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(base + f"works/{mine}/")
    pg.click(f"[data-koc-kit-add='{mine}']")
    pg.wait_for_selector(f"[data-koc-kit-add='{mine}'][aria-pressed=true]")
    pg.goto(base + collection.relative_to(site).parent.as_posix() + "/")
    shown = len(pg.query_selector_all(".koc-card [data-koc-kit-add]"))
    pg.click("text=打印版资料包")
    pg.wait_for_url(re.compile(r"/kit/\?works="), timeout=45000)
    kit_ready(pg, shown)
    # Looking at the collection's kit keeps the reader's own kit of one work…
    assert pg.evaluate("localStorage.getItem('koc-kit')") == mine
    # …and changing it makes it the reader's kit.
    pg.click(".koc-kit__item >> nth=0 >> [data-kit-remove]")
    pg.wait_for_function(f"document.querySelectorAll('.koc-kit__item').length === {shown - 1}")
    assert pg.evaluate("localStorage.getItem('koc-kit')").split(",") == [
        i.get_attribute("data-id") for i in pg.query_selector_all(".koc-kit__item")]
    context.close()


# The parts this issue adds, audited by axe-core (WCAG 2.1 A/AA) wherever they appear.
KIT_PARTS = [".koc-kit", ".koc-finder__form", ".koc-finder__results", ".koc-verdict", ".koc-actions", ".koc-credit-line",
             ".koc-rights", ".koc-kit-add", ".koc-kit-badge"]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_kit_parts_have_no_serious_accessibility_violations(browser, edition, viewport):
    from axe_playwright_python.sync_playwright import Axe

    audience, site, base, lib = edition
    cat = lib["catalog"]
    ids = [w.id for w in cat.listed[:2]]
    ending = next(w for w in cat.listed if w.rights.expires)
    pages = {"kit": f"kit/?works={','.join(ids + [ending.id])}&date={ending.rights.expires.replace(day=28).isoformat()}",
             "empty kit": "kit/?works=", "finder": "finder/?scenario=camping,winter-driving&meeting=2026-07-01",
             "work": f"works/{ids[0]}/", "hub": "dealer-meetings/", "collection": "collections/dealer-family-trips/"}
    pg = browser.new_page(viewport=viewport)
    found = []
    for kind, url in pages.items():
        pg.goto(base + url)
        if kind.endswith("kit"):
            pg.wait_for_function("document.getElementById('koc-kit').dataset.count !== undefined", timeout=45000)
        if kind == "finder":
            finder_ready(pg)
            pg.click("[data-facet=scenario] > summary")
        if kind in ("work", "hub"):
            pg.click("[data-koc-kit-add] >> nth=0")  # pressed buttons and the kit badge too
            pg.wait_for_selector(".koc-kit-badge:not([hidden])")
        include = [[sel] for sel in KIT_PARTS if pg.query_selector(sel)]
        assert include, kind
        result = Axe().run(pg, context={"include": include},
                           options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
        found += [(kind, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                  for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
    pg.close()
    assert not found, found


def test_listings_show_uses_and_expiry(edition):
    from bs4 import BeautifulSoup

    audience, site, base, lib = edition
    cat = lib["catalog"]
    hub = "dealer-meetings" if audience == "dealer" else "training"
    soup = BeautifulSoup((site / hub / "index.html").read_text(encoding="utf-8"), "html.parser")
    rows = soup.select("table.koc-table tbody tr")
    assert rows
    works = {w.title: w for w in cat.listed}
    for row in rows:
        w = works[row.select_one("td a").get_text()]
        rights = row.select_one(".koc-rights").get_text()
        assert (w.rights.expires.isoformat() if w.rights.expires else "长期有效") in rights
    profile = next((site / "contributors").glob("*/index.html"))
    assert BeautifulSoup(profile.read_text(encoding="utf-8"), "html.parser").select(".koc-table .koc-rights")
    assert json.loads(next((site / "kit" / "works").glob("*.json")).read_text(encoding="utf-8"))["credit_line"]


def test_printed_collections_and_hubs_give_each_work_its_short_address(browser, edition, tmp_path):
    audience, site, base, lib = edition
    host = base.split("//")[1].rstrip("/")
    pg = browser.new_page()
    for url in ("collections/dealer-family-trips/", "dealer-meetings/"):
        pg.goto(base + url)
        ids = {e.get_attribute("data-koc-kit-add") for e in pg.query_selector_all("[data-koc-kit-add]")}
        assert ids
        pg.wait_for_selector("a[data-print-href]", state="attached")
        info, text = pdf_text(pg, tmp_path / "listing.pdf", layout=False)
        assert re.search(r"\(A4\)", info)
        flat = re.sub(r"\s+", "", text)
        for wid in ids:
            assert f"{host}/works/{wid}/" in flat, wid
        # Tabs whose names the listings' own text does not use ("全部作品" is also a link of the hub).
        for label in ("案例查找", "精选合集", "名人堂", "编辑指南", "加入资料包", "搜索作品"):
            assert label not in text, label
    pg.close()
