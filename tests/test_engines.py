"""Three engines, one site (issue 17 item 5): the demo library built with MkDocs 1.6 +
Material (the default), with ProperDocs in place of MkDocs (`koc build --engine
properdocs`), and from `koc export --with-config` with Zensical where it installs
(and with plain MkDocs, which builds that export exactly as Zensical is given it).

Each build is compared with the MkDocs build: the list of pages, each page's title,
the credits on every work page and the links of each page's content; every internal
link of every page must resolve in its own site. A difference is named: page, field,
both values.

ProperDocs and Zensical run in their own processes (the `properdocs` and `zensical`
commands, or `python -m generator.cli`): ProperDocs redirects `mkdocs.*` imports
process-wide, which this test process, having imported MkDocs, must not do.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from demo_build import MANIFEST_AS_OF, build_demo

# A build that hangs is a failure, not a stuck CI run (a guard, not a performance target).
BUILD_TIMEOUT = 600

# Every link, image, script, stylesheet and poster of a page (as MkDocs and the theme write them: in double quotes).
_LINK = re.compile(r'<(?:a|link|img|script|source|video|iframe)\b[^>]*?\s(?:href|src|poster)="([^"]*)"')


@dataclass(frozen=True)
class PageFacts:
    title: str
    credits: tuple[str, ...]  # a work page's credit box: one entry per contributor, then the credit line
    links: frozenset[str]  # the pages and files the page's content links to, as site paths


def _site_path(site: Path, page: Path, value: str) -> str | None:
    """The file a link of `page` points to, relative to `site` (None: not a link into the site)."""
    value = html.unescape(value)
    if not value or value.startswith(("#", "mailto:", "javascript:", "data:", "tel:")):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    target = Path(os.path.normpath(site / path.lstrip("/") if path.startswith("/") else page.parent / path))
    if path.endswith("/") or not path or target.is_dir():
        target = target / "index.html" if path else page
    try:
        return target.relative_to(site).as_posix()
    except ValueError:
        return f"(outside the site) {value}"


def _text(node) -> str:
    return " ".join(node.get_text(" ").split())


_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def site_facts(site: Path) -> dict[str, PageFacts]:
    """Page path → what the comparison looks at, for every HTML page of a built site."""
    facts = {}
    for path in sorted(site.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        title = _TITLE.search(text)
        # The page's own content: the theme's chrome around it (navigation, header) is the engine's
        # business. Parsing only that part also keeps the comparison quick.
        start, end = text.find('<div class="md-content"'), text.rfind("</main>")
        soup = BeautifulSoup(text[start:end] if 0 <= start < end else text, "html.parser")
        credits = ()
        box = soup.select_one(".koc-credit-box")
        if box is not None:
            credits = tuple(f"{_text(li)} → {li.a['href'] if li.a else ''}" for li in box.select("li"))
            credits += tuple(_text(p) for p in box.select(".koc-credit-text"))
        links = {_site_path(site, path, a["href"]) for a in soup.select("a[href]")}
        facts[path.relative_to(site).as_posix()] = PageFacts(" ".join(html.unescape(title.group(1)).split()) if title else "",
                                                             credits, frozenset(link for link in links if link))
    return facts


def unresolved_links(site: Path) -> list[str]:
    """'page: link' for every link of every page that names a file the site does not have."""
    missing = []
    for path in sorted(site.rglob("*.html")):
        for value in _LINK.findall(path.read_text(encoding="utf-8")):
            target = _site_path(site, path, value)
            if target is not None and not (site / target).is_file():
                missing.append(f"{path.relative_to(site).as_posix()}: {html.unescape(value)}")
    return missing


def differences(reference: dict[str, PageFacts], other: dict[str, PageFacts], names=("mkdocs", "other")) -> list[str]:
    """Every difference between two builds' facts, each naming the page, the field and both values."""
    ref_name, other_name = names
    found = [f"{page}: page only in the {ref_name} build" for page in sorted(set(reference) - set(other))]
    found += [f"{page}: page only in the {other_name} build" for page in sorted(set(other) - set(reference))]
    for page in sorted(set(reference) & set(other)):
        a, b = reference[page], other[page]
        if a.title != b.title:
            found.append(f"{page}: title: {a.title!r} ({ref_name}) vs {b.title!r} ({other_name})")
        if a.credits != b.credits:
            found.append(f"{page}: credits: {list(a.credits)} ({ref_name}) vs {list(b.credits)} ({other_name})")
        if a.links != b.links:
            found.append(f"{page}: links: only in {ref_name} {sorted(a.links - b.links)}, "
                         f"only in {other_name} {sorted(b.links - a.links)}")
    return found


def _generator(site: Path) -> str:
    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    meta = soup.find("meta", attrs={"name": "generator"})
    return meta["content"] if meta else ""


def _run(args: list[str], cwd: Path) -> float:
    """Run a command (output shown on failure); seconds it took."""
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert done.returncode == 0, f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return time.perf_counter() - start


def _koc(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "generator.cli", "--project", str(project), *args]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The MkDocs + Material build of the demo (the default engine): its folder and facts."""
    root = tmp_path_factory.mktemp("engines")
    site = build_demo(root)
    return root, site, site_facts(site)


def _compare(reference, site: Path, name: str) -> None:
    _, _, ref_facts = reference
    missing = unresolved_links(site)
    assert not missing, f"links of the {name} build that resolve nowhere:\n" + "\n".join(missing[:20])
    facts = site_facts(site)
    # Stubs (rights expired, withdrawn) credit no one; every other work page does.
    credited = [p for p in facts if p.startswith("works/") and facts[p].credits]
    assert len(credited) > 30, f"{name}: only {len(credited)} work pages with credits"
    found = differences(ref_facts, facts, ("mkdocs", name))
    assert not found, f"the {name} build differs from the MkDocs build:\n" + "\n".join(found[:30])


@pytest.mark.slow
def test_default_build_runs_mkdocs_with_the_other_engines_installed(reference):
    root, site, facts = reference
    # Installed beside MkDocs by `make site`, ProperDocs must change nothing until asked for.
    assert importlib.util.find_spec("properdocs") is not None, "ProperDocs is not installed: run `make site` (pip install -e '.[properdocs]')"
    assert _generator(site).startswith("mkdocs-1.6"), _generator(site)
    assert not unresolved_links(site), unresolved_links(site)[:20]
    assert len(facts) > 100 and facts["index.html"].title


@pytest.mark.slow
def test_properdocs_builds_the_same_site(reference, tmp_path):
    root, _, _ = reference
    site = tmp_path / "site-properdocs"
    _run(_koc(root, "build", "--engine", "properdocs", "--as-of", MANIFEST_AS_OF, "--site-dir", str(site)), root)
    assert _generator(site).startswith("mkdocs-ProperDocs"), _generator(site)  # really built by ProperDocs
    _compare(reference, site, "properdocs")


@pytest.fixture(scope="module")
def export_project(reference, tmp_path_factory):
    root, _, _ = reference
    out = tmp_path_factory.mktemp("export") / "project"
    _run(_koc(root, "export", str(out), "--with-config", "--as-of", MANIFEST_AS_OF), root)
    return out


@pytest.mark.slow
def test_exported_project_builds_the_same_site_without_the_plugin(reference, export_project, tmp_path):
    """What Zensical is given: the export's mkdocs.yml names no plugin, so plain MkDocs builds it as Zensical would read it."""
    assert "koc" not in (export_project / "mkdocs.yml").read_text(encoding="utf-8").split("plugins:")[1]
    site = tmp_path / "site-export"
    _run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(site)], export_project)
    _compare(reference, site, "export+mkdocs")
    # The edition banner and the as-of date come from the exported config, not the plugin.
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "内部版 · 请勿外传" in home and "数据截至 2026-06-01" in home


@pytest.mark.slow
def test_exported_project_of_the_dealer_edition_holds_only_its_pages(tmp_path):
    from conftest import koc, write_library

    project = write_library(tmp_path / "p")
    out = tmp_path / "out"
    assert koc("export", str(out), "--with-config", "--audience", "dealer", "--as-of", MANIFEST_AS_OF, project=project) == 0
    config = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = [next(iter(entry.values())) for entry in config["nav"]]
    assert "index.md" in nav and "about.md" in nav
    # Internal-only pages: neither generated (insights, dashboard) nor copied (the editors' guide), nor in the nav.
    assert not {"insights/index.md", "dashboard/index.md", "guide/index.md"} & set(nav)
    assert not (out / "docs/guide").exists() and not (out / "docs/insights").exists()
    assert config["extra"]["koc"] == {"audience": "dealer", "edition": "经销商版", "notice": "仅含可在经销商会议使用的作品",
                                      "as_of": MANIFEST_AS_OF, "drafts": False, "problems": []}
    assert config["plugins"] == [] and config["docs_dir"] == "docs" and config["theme"]["custom_dir"] == "overrides"
    assert (out / "overrides/main.html").is_file() and (out / "docs/works/2026-camping-video.md").is_file()
    assert (out / "docs/pagefind/pagefind-entry.json").is_file() and (out / ".koc-export").is_file()


@pytest.mark.slow
def test_zensical_builds_the_exported_project(reference, export_project, tmp_path):
    if importlib.util.find_spec("zensical") is None:
        pytest.skip("Zensical is not installed: `pip install -e '.[zensical]'` fails where its dependency "
                    "zensical-ui is not served (make site tries, and says so)")
    command = shutil.which("zensical", path=str(Path(sys.executable).parent)) or shutil.which("zensical")
    project = tmp_path / "zensical"
    shutil.copytree(export_project, project)
    _run([command, "build"], project)
    _compare(reference, project / "site", "zensical")


def test_a_difference_names_page_field_and_both_values():
    page = "works/a/index.html"
    ref = {page: PageFacts("甲 - 库", ("阿丽 文案 → ../../contributors/alice/",), frozenset({"contributors/alice/index.html"})),
           "index.html": PageFacts("库", (), frozenset())}
    other = {page: PageFacts("乙 - 库", ("阿丽 拍摄 → ../../contributors/alice/",), frozenset({"contributors/bob/index.html"}))}
    found = differences(ref, other, ("mkdocs", "properdocs"))
    assert "index.html: page only in the mkdocs build" in found
    assert f"{page}: title: '甲 - 库' (mkdocs) vs '乙 - 库' (properdocs)" in found
    assert any(f.startswith(f"{page}: credits:") and "文案" in f and "拍摄" in f for f in found)
    assert f"{page}: links: only in mkdocs ['contributors/alice/index.html'], only in properdocs ['contributors/bob/index.html']" in found
    assert differences(ref, dict(ref)) == []


def test_unresolved_link_is_found(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text('<a href="../b/">b</a><img src="../a/x.png"><a href="https://example.org/">x</a>', encoding="utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b/index.html").write_text('<a href="../a/">a</a>', encoding="utf-8")
    assert unresolved_links(tmp_path) == ["a/index.html: ../a/x.png"]


def test_properdocs_is_refused_once_mkdocs_is_loaded(monkeypatch, capsys):
    """The redirect must come first: a process that loaded MkDocs says so instead of mixing the two."""
    from generator.cli import main

    monkeypatch.setitem(sys.modules, "mkdocs", types.ModuleType("mkdocs"))
    assert main(["build", "--engine", "properdocs"]) == 2
    assert "已加载 MkDocs" in capsys.readouterr().err


def test_properdocs_missing_is_named(monkeypatch, capsys):
    from generator.cli import main

    monkeypatch.delitem(sys.modules, "mkdocs", raising=False)
    monkeypatch.setitem(sys.modules, "properdocs.replacement", None)  # what an absent package gives: ImportError
    assert main(["build", "--engine", "properdocs"]) == 2
    assert "未安装 ProperDocs" in capsys.readouterr().err
