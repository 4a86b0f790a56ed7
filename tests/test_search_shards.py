"""The browser search's Pagefind index in shards (issue 17: bounded memory at 50,000 works).

A library larger than `search_shard_works` is indexed as several Pagefind bundles,
one after another, and koc-find.js searches them as one. The demo library built
with 10 works per shard must answer every query of the relevance suite exactly as
the one-bundle build does: the same works, in the same order, with the same
scores, the same facet counts, and the same explicit sorts.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest

from generator.search.bundle import ORDER_FILE, order_lists, shard_count, shards_of
from test_relevance import SUITE, bench  # the relevance suite and its bench helpers

REPO = Path(__file__).resolve().parent.parent


def _records(n: int) -> list[dict]:
    # Dates repeat every 3 works and scores every 4, so both sorts have ties.
    return [{"url": f"/works/w{i:03d}/", "sort": {"n": f"{i:06d}", "date": f"2026-0{1 + i % 3}-01", "score": str(i % 4)}}
            for i in reversed(range(n))]


def test_shards_hold_the_works_in_id_order_in_runs_of_at_most_the_shard_size():
    shards = shards_of(_records(23), 10)
    assert [len(s) for s in shards] == [10, 10, 3]
    assert [r["sort"]["n"] for s in shards for r in s] == [f"{i:06d}" for i in range(23)]
    assert [len(s) for s in shards_of(_records(10), 10)] == [10]
    assert shards_of([], 10) == []
    assert shard_count(50_000) == 10 and shard_count(4_126) == 1


def test_order_lists_are_best_first_with_ties_in_id_order():
    records = _records(12)
    ids = {r["url"]: f"k/{r['url']}" for r in records}
    lists = order_lists(records, ids)
    by_url = {r["url"]: r["sort"] for r in records}
    dates = [by_url[i[2:]]["date"] for i in lists["date"]]
    assert dates == sorted(dates, reverse=True)
    for key in ("date", "score"):
        keyed = [(by_url[i[2:]][key], by_url[i[2:]]["n"]) for i in lists[key]]
        # within one value of the key, ids ascend
        for (v1, n1), (v2, n2) in zip(keyed, keyed[1:]):
            assert v1 > v2 or (v1 == v2 and n1 < n2), (keyed, key)
    assert sorted(lists["score"]) == sorted(ids.values())


# ---------------------------------------------------------------- the demo, sharded, in Chromium

AS_OF = SUITE["as_of"].isoformat()
SHARD_WORKS = 10

# Every result of a query (url, score), the finder's facet counts of it, and its explicit sorts.
ANSWER_JS = """async ([q, sorts]) => {
  const root = document.querySelector('.koc-search');
  const base = new URL(root.dataset.kocBase, location.href);
  const find = await import(new URL('assets/javascripts/koc-find.js', base).href);
  const rows = async (found) => Promise.all(found.results.map(async (r) => {
    const d = await r.data();
    return [d.url, r.score, d.meta.date, d.meta.score || ''];
  }));
  const found = await find.findWorks(base, q);
  const out = { ranked: await rows(found), counts: found.results.length ? await find.counts(base, found.groups, {}) : {} };
  for (const key of sorts) out[key] = await rows(await find.findWorks(base, q, { sort: { [key]: 'desc' } }));
  return out;
}"""


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory):
    from demo_build import demo_project

    from generator.cli import main

    root = tmp_path_factory.mktemp("sharded")
    project = demo_project(root)
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    config, n = re.subn(r"(?m)^(\s+)(content_dir: .*)$", rf"\1\2\n\1search_shard_works: {SHARD_WORKS}", config, count=1)
    assert n == 1
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    site = root / "site"
    assert main(["--project", str(project), "build", "--as-of", AS_OF, "--site-dir", str(site)]) == 0
    return site


@pytest.mark.slow
def test_a_large_library_gets_one_bundle_per_shard_and_the_order_lists(sharded_site, demo_site):
    vocab = json.loads(gzip.decompress((sharded_site / "koc-search" / "vocab.json.bin").read_bytes()))
    assert vocab["shards"] == shard_count(vocab["n"], SHARD_WORKS) >= 3
    for k in range(1, vocab["shards"]):
        assert (sharded_site / "pagefind" / str(k) / "pagefind.js").exists()
    assert not (sharded_site / "pagefind" / str(vocab["shards"])).exists()
    lists = json.loads((sharded_site / "pagefind" / ORDER_FILE).read_text())
    assert len(lists["date"]) == len(set(lists["date"])) == vocab["n"]
    for entry in lists["date"]:
        shard, fragment = entry.split("/")
        assert (sharded_site / "pagefind" / ("" if shard == "0" else shard) / "fragment" / f"{fragment}.pf_fragment").exists()
    # Below the shard size nothing changes: one bundle, no order lists.
    single = demo_site("internal", as_of=AS_OF)
    assert json.loads(gzip.decompress((single / "koc-search" / "vocab.json.bin").read_bytes()))["shards"] == 1
    assert not (single / "pagefind" / "1").exists() and not (single / "pagefind" / ORDER_FILE).exists()


@pytest.fixture(scope="module")
def both_answers(sharded_site, demo_site, served):
    if not Path(bench.CHROMIUM).exists():
        pytest.skip("browser tests skipped: /usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    sites = {"one": demo_site("internal", as_of=AS_OF), "sharded": sharded_site}
    queries = [q["query"] for q in SUITE["queries"]]
    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=bench.CHROMIUM, args=bench.ARGS)
        for name, site in sites.items():
            page = browser.new_page()
            page.goto(served(site) + "about/")
            out[name] = {q: page.evaluate(ANSWER_JS, [q, ["date", "score"] if k % 4 == 0 else []])
                         for k, q in enumerate(queries)}
            page.close()
        browser.close()
    return out


@pytest.mark.slow
@pytest.mark.browser
def test_the_sharded_index_ranks_every_query_as_one_index_does(both_answers):
    one, sharded = both_answers["one"], both_answers["sharded"]
    assert sum(bool(a["ranked"]) for a in one.values()) > 40  # the suite finds things
    for q, answer in one.items():
        assert sharded[q]["ranked"] == answer["ranked"], q
        assert sharded[q]["counts"] == answer["counts"], q


@pytest.mark.slow
@pytest.mark.browser
def test_the_sharded_index_keeps_the_finders_sorts(both_answers):
    one, sharded = both_answers["one"], both_answers["sharded"]
    checked = 0
    for q, answer in one.items():
        for key, column in (("date", 2), ("score", 3)):
            if key not in answer:
                continue
            mine = sharded[q][key]
            assert sorted(r[0] for r in mine) == sorted(r[0] for r in answer[key]), q
            values = [r[column] if key == "date" else float(r[column] or 0) for r in mine]
            assert values == sorted(values, reverse=True), (q, key)
            assert values == [r[column] if key == "date" else float(r[column] or 0) for r in answer[key]], (q, key)
            checked += bool(mine)
    assert checked > 10


def test_stopping_the_shard_chain_kills_the_running_pagefind_and_starts_no_other(tmp_path):
    import sys
    import time

    from generator.search.bundle_worker import Runner

    marker = tmp_path / "second-ran"
    runner = Runner(tmp_path)
    runner.start([[sys.executable, "-c", "import time; time.sleep(30)"],
                  [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]])
    while runner.process is None:
        time.sleep(0.05)
    first = runner.process
    start = time.monotonic()
    runner.stop()
    assert first.poll() is not None and time.monotonic() - start < 10
    runner.join(quiet=True)
    assert runner.process is first and not marker.exists()


def test_a_failing_shard_fails_the_bundle_with_its_log(tmp_path):
    import sys

    from generator.search.bundle_worker import Runner

    runner = Runner(tmp_path)
    runner.start([[sys.executable, "-c", "print('shard one fine')"],
                  [sys.executable, "-c", "import sys; print('shard two broke'); sys.exit(3)"]])
    with pytest.raises(RuntimeError, match="shard two broke"):
        runner.join()
    runner.stop()


# ---------------------------------------------------------------- the shard cache

def _job_records(n: int, changed: int | None = None) -> list[dict]:
    from generator.search.bundle import EVERY, LANGUAGE, pagefind_word

    return [{"url": f"/works/w{i:03d}/", "language": LANGUAGE,
             "content": " ".join(pagefind_word(t) for t in (f"w{i}", "续航", "改了" if i == changed else "原文")) + " " + EVERY,
             "meta": {"title": f"作品{i}", "text": "续航"}, "filters": {"type": ["video"]},
             "sort": {"n": f"{i:06d}", "date": "2026-01-01", "score": "0"}} for i in range(n)]


def _bundle_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_build_indexes_only_the_shards_whose_works_changed(tmp_path):
    from generator.search.bundle import SearchBundleJob

    cache = tmp_path / "cache"
    with SearchBundleJob(_job_records(7), 3, cache) as job:
        first = _bundle_files(job.write(tmp_path / "a"))
        assert job.indexed == {0, 1, 2}
    assert len(list(cache.iterdir())) == 3
    with SearchBundleJob(_job_records(7), 3, cache) as job:
        again = _bundle_files(job.write(tmp_path / "b"))
        assert job.indexed == set()  # every shard from the cache
    assert again == first
    with SearchBundleJob(_job_records(7, changed=4), 3, cache) as job:  # shard 1 holds works 3-5
        changed = _bundle_files(job.write(tmp_path / "c"))
        assert job.indexed == {1}
    assert {k for k in first if first[k] != changed.get(k)} - {k for k in first if k.startswith("1/") or k == "koc-order.json"} == set()
    assert any(first[k] != changed.get(k) for k in first if k.startswith("1/"))
    assert len(list(cache.iterdir())) == 3  # the old shard 1 is gone


def _repack(pack: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(pack, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)


def test_a_damaged_planted_or_escaping_cache_entry_is_indexed_again(tmp_path):
    from generator.search.bundle import SearchBundleJob
    from generator.search.shard_cache import MANIFEST, PACK

    cache = tmp_path / "cache"
    with SearchBundleJob(_job_records(6), 2, cache) as job:
        first = _bundle_files(job.write(tmp_path / "a"))
    entries = sorted(cache.iterdir())
    assert len(entries) == 3
    members = {name: zipfile.ZipFile(entries[0] / PACK).read(name) for name in zipfile.ZipFile(entries[0] / PACK).namelist()}
    fragment = next(name for name in members if name.endswith(".pf_fragment"))
    # 1. A fragment altered inside the pack (its manifest unchanged).
    _repack(entries[0] / PACK, members | {fragment: b"not a fragment"})
    # 2. The pack replaced by a link to a pack outside the cache (with the same names).
    secret = tmp_path / "secret.zip"
    _repack(secret, {name: b"KOC-SECRET-7f3a" for name in members})
    (entries[1] / PACK).unlink()
    (entries[1] / PACK).symlink_to(secret)
    # 3. A pack and manifest that agree, with a member that climbs out of the bundle.
    escaping = {"../../escaped.txt": b"KOC-SECRET-7f3a"}
    _repack(entries[2] / PACK, escaping)
    (entries[2] / MANIFEST).write_text(json.dumps({n: hashlib.sha256(d).hexdigest() for n, d in escaping.items()}))
    with SearchBundleJob(_job_records(6), 2, cache) as job:
        again = _bundle_files(job.write(tmp_path / "b"))
        assert job.indexed == {0, 1, 2}  # no entry passes
    # Indexed again (Pagefind's file names differ run to run): the same pages, each fragment whole.
    assert b"KOC-SECRET-7f3a" not in b"".join(again.values())
    assert not list(tmp_path.rglob("escaped.txt"))
    assert _fragment_urls(again) == _fragment_urls(first) == [f"/works/w{i:03d}/" for i in range(6)]
    with SearchBundleJob(_job_records(6), 2, cache) as job:  # and stored whole again
        assert _bundle_files(job.write(tmp_path / "c")) == again
        assert job.indexed == set()


def _fragment_urls(files: dict[str, bytes]) -> list[str]:
    from generator.search.bundle import FRAGMENT_HEADER

    return sorted(json.loads(gzip.decompress(data)[len(FRAGMENT_HEADER):])["url"]
                  for name, data in files.items() if name.endswith(".pf_fragment"))
