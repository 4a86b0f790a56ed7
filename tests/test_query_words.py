"""A query's Chinese words (generator/search/segmenter.py, koc-words.js).

- the segmenter's rules on small dictionaries (fast);
- the edition's dictionary: jieba's words found in the text and the vocabulary, shipped in shards;
- `koc search` on the demo: several words typed without spaces mean AND of the words;
- the browser cuts exactly as Python does, on every query of the relevance suite, several-word
  queries and windows of the works' own text (headless Chromium, the demo site).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

import pytest

from generator.search.analysis import Analyzer, SearchVocabulary, VocabEntry
from generator.search.segmenter import SHARD_DIR, SHARDS, STOP_WORDS, Segmenter, WordDictionary, edition_dictionary, query_words

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-06-01"


def test_the_route_is_jiebas_most_probable_cut():
    seg = Segmenter(WordDictionary({"第三排": 20, "第三": 5000, "三排": 10, "座椅": 300, "放倒": 30, "怎么": 900}))
    assert seg.cut("第三排座椅怎么放倒") == ["第三排", "座椅", "怎么", "放倒"]
    # the most probable route wins: with 第三 and 排座 frequent, 第三排座椅 reads 第三 · 排座 · 椅
    seg = Segmenter(WordDictionary({"第三": 10 ** 6, "第三排": 1, "排座": 10 ** 6, "座椅": 1}))
    assert seg.cut("第三排座椅") == ["第三", "排座", "椅"]
    # a character no word starts with stands alone
    assert Segmenter(WordDictionary({"暖风": 10})).cut("冬暖风") == ["冬", "暖风"]


def test_stop_words_drop_out_and_no_character_stands_alone():
    assert query_words(["第三排", "座椅", "怎么", "放倒"]) == ["第三排", "座椅", "放倒"]
    assert query_words(["零", "重力"]) == ["零重力"]             # at the start: joined to the next word
    assert query_words(["侧滑", "门"]) == ["侧滑门"]             # at the end: joined to the word before
    assert query_words(["刹车", "异", "响"]) == ["刹车", "异响"]  # side by side: one word
    assert query_words(["后备箱", "放", "行李箱"]) == ["后备箱", "行李箱"]  # between two words: dropped
    assert query_words(["怎么", "放"]) == ["怎么放"]             # nothing but a stop word and a character
    assert query_words(["的", "吗"]) == ["的吗"]
    assert query_words(["冬天", "暖风"]) == ["冬天", "暖风"]


def test_query_groups_are_the_words_each_a_bigram_phrase():
    vocab = SearchVocabulary([VocabEntry("tag", "third-row", "第三排"), VocabEntry("tag", "elderly", "老人")])
    seg = Segmenter(WordDictionary({"座椅": 300, "放倒": 30, "怎么": 900, "冬天": 50, "暖风": 20}))
    a = Analyzer(vocab, segmenter=seg)
    assert a.query_groups("第三排座椅怎么放倒") == [("第三排",), ("座椅",), ("放倒",)]
    assert a.query_groups("冬天暖风") == [("冬天",), ("暖风",)]
    assert a.query_groups("老人坐第三排") == [("老人",), ("第三排",)]  # one character between two forms
    assert a.query_groups("雨") == [("雨",)]
    # without a segmenter a run is one phrase, as before
    assert Analyzer(vocab).query_groups("冬天暖风") == [("冬天", "天暖", "暖风")]
    # made when a query first needs it
    made = []
    lazy = Analyzer(vocab, segmenter=lambda: made.append(1) or seg)
    assert not made and lazy.query_groups("冬天暖风") == [("冬天",), ("暖风",)] and made == [1]


def test_the_dictionary_holds_jieba_words_found_in_the_text_and_the_vocabulary():
    d = edition_dictionary(["冬天开暖风，第三排座椅放倒。"], ["零重力座椅", "OTA升级", "露营"])
    assert {"冬天", "暖风", "座椅", "放倒"} <= set(d.freq)
    assert "夏天" not in d.freq and "排队" not in d.freq  # jieba words the text does not hold
    assert d.freq["零重力座椅"] > 0 and "露营" in d.freq     # Chinese vocabulary forms, found or not
    assert "ota升级" not in d.freq and "OTA升级" not in d.freq
    assert all(len(w) >= 2 for w in d.freq)
    assert d.total == sum(d.freq.values())


def test_the_shards_hold_every_word_once_under_its_first_character():
    d = WordDictionary({"冬天": 5, "暖风": 7, "第三排": 2, "第三": 9})
    shards = d.shards()
    assert len(shards) == SHARDS  # every shard exists, so a query never asks for a missing file
    seen = {}
    for name, data in shards.items():
        body = json.loads(data)
        assert body["t"] == d.total == 23
        for word, freq in body["w"].items():
            assert name == f"{SHARD_DIR}/{ord(word[0]) % SHARDS:02x}.json"
            seen[word] = freq
    assert seen == d.freq


# ---------------------------------------------------------------- the demo library

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo edition at the suite's as-of date: its analyzer (with the segmenter) and its built site."""
    from demo_build import build_demo

    from generator.catalog.catalog import build_catalog
    from generator.catalog.rights import Edition
    from generator.content.check import check_library
    from generator.options import Options
    from generator.search.edition_index import analyzer_of

    root = tmp_path_factory.mktemp("query-words")
    site = build_demo(root, as_of=AS_OF)
    options = Options(project_dir=root, as_of=dt.date.fromisoformat(AS_OF)).resolve()
    checked = check_library(options)
    cat = build_catalog(checked.library, Edition(options.audience, options.as_of, options.drafts), checked.tags)
    return analyzer_of(cat), cat, site


def _queries(cat) -> list[str]:
    """The relevance suite's queries, several-word ones, and seeded windows of the works' text."""
    import yaml

    suite = yaml.safe_load((REPO / "tests/relevance/queries.yml").read_text(encoding="utf-8"))
    out = [q["query"] for q in suite["queries"]]
    out += ["三排座椅", "第三排座椅怎么放倒", "冬天暖风", "儿童座椅安装", "冬天开暖风续航多少", "后备箱放行李箱",
            "老人坐第三排", "怎么", "的吗", "L7第三排放倒", "露营的时候怎么充电", "零重力座椅挤压第三排"]
    rng = random.Random(12)
    runs = [r for w in sorted(cat.listed, key=lambda w: w.id) for r in re.findall("[\u4e00-\u9fff]{4,}", w.body)]
    for _ in range(150):
        run = rng.choice(runs)
        start = rng.randrange(len(run) - 3)
        out.append(run[start:start + rng.randint(4, 12)])
    return list(dict.fromkeys(out))


@pytest.mark.slow
def test_the_demo_ships_the_dictionary_python_cuts_with(demo):
    analyzer, cat, site = demo
    from generator.search.edition_index import segmenter_of

    shipped = {}
    for path in (site / SHARD_DIR).glob("*.json"):
        shipped.update(json.loads(path.read_text(encoding="utf-8"))["w"])
    assert len(list((site / SHARD_DIR).glob("*.json"))) == SHARDS
    assert shipped == segmenter_of(cat).dictionary.freq
    assert {"第三排", "座椅", "冬天", "暖风", "放倒"} <= set(shipped)


@pytest.mark.slow
def test_koc_search_reads_unspaced_words_as_and(demo):
    from generator.search.query import search_words
    from generator.search.edition_index import index_library
    from generator.options import Options

    analyzer, cat, site = demo
    options = Options(project_dir=site.parent, as_of=dt.date.fromisoformat(AS_OF)).resolve()
    ix, _ = index_library(cat, options)
    with ix.searcher() as s:
        def found(q):
            return {h.id for h in search_words(s, analyzer, q, limit=None, with_facets=False).hits}

        both = found("第三排") & found("座椅")
        assert found("第三排座椅") == both and len(both) > 5
        # the run as one phrase would find only the works that write it unbroken
        assert len(both) > len({w.id for w in cat.listed if "第三排座椅" in w.body})
        assert found("第三排座椅怎么放倒") == both & found("放倒")  # 怎么 drops out
        assert found("冬天暖风") == found("冬天") & found("暖风") != set()
        assert found("天窗漏水") == set()


@pytest.mark.slow
@pytest.mark.browser
def test_the_browser_cuts_every_query_as_python_does(demo):
    from chromium import ARGS, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("browser tests skipped: /usr/bin/chromium is not installed")
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    analyzer, cat, site = demo
    queries = _queries(cat)
    expected = {q: [list(g) for g in analyzer.query_groups(q)] for q in queries}
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page()
            page.goto(base + "about/")
            got = page.evaluate("""async ([base, queries]) => {
                const find = await import(base + "assets/javascripts/koc-find.js");
                const words = await import(base + "assets/javascripts/koc-words.js");
                const { vocab } = await find.load(new URL(base));
                const out = {};
                for (const q of queries) {
                    await words.loadWords(new URL(base), find.normalise(q));
                    out[q] = find.queryGroups(vocab, q, words.wordsOf);
                }
                return out;
            }""", [base, queries])
            # the same stop words: each between two words, and alone
            stops = sorted(STOP_WORDS)
            cuts = [["座椅", w, "放倒"] for w in stops] + [[w] for w in stops] + [["的", w] for w in stops]
            stop_got = page.evaluate("""async ([base, cuts]) => {
                const words = await import(base + "assets/javascripts/koc-words.js");
                return cuts.map((c) => words.queryWords(c));
            }""", [base, cuts])
            browser.close()
    finally:
        httpd.shutdown()
    assert stop_got == [query_words(c) for c in cuts]
    differ = {q: (expected[q], got[q]) for q in queries if expected[q] != got[q]}
    assert not differ, list(differ.items())[:5]
    # the comparison says something: many queries are cut into two or more words
    assert sum(len(g) >= 2 for g in expected.values()) > 50
