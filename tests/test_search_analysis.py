"""The one search analysis (generator/search/analysis.py): vocabulary first, bigram phrases,
NFKC, typo reading, reasons and excerpts. The same rules run in the browser (koc-find.js);
tests/test_relevance.py checks that all three searches agree on the demo library."""

from __future__ import annotations

from generator.search.analysis import Analyzer, SearchVocabulary, VocabEntry, excerpt, group_text, mark_spans

ENTRIES = [
    VocabEntry("model", "xingtu-l7", "星途L7", ("L7", "L7增程版")),
    VocabEntry("model", "xingtu-s5-ev", "星途S5 EV", ("S5 EV", "S5")),
    VocabEntry("model", "jingyue-mpv", "境悦MPV", ()),
    VocabEntry("scenario", "winter-driving", "冬季用车", ("冰雪", "冬天用车")),
    VocabEntry("scenario", "multi-child-family", "二胎/多孩家庭", ("二胎",)),
    VocabEntry("tag", "ota", "OTA升级", ("OTA",)),
    VocabEntry("contributor", "chen-mo", "陈默说车"),
]
A = Analyzer(SearchVocabulary(ENTRIES))


def test_a_vocabulary_form_is_one_group_even_across_spaces_and_full_width():
    assert A.query_groups("S5 EV") == [("s5ev",)]
    assert A.query_groups("S5EV") == [("s5ev",)]
    assert A.query_groups("Ｌ７增程版") == [("l7增程版",)]
    assert A.query_groups("二胎/多孩家庭") == [("二胎多孩家庭",)]
    assert A.query_groups("陈默说车") == [("陈默说车",)]


def test_a_latin_form_never_cuts_a_latin_word():
    assert A.query_groups("L70") == [("l70",)]
    assert A.query_groups("OTA升级") == [("ota升级",)]


def test_other_words_are_latin_runs_single_characters_or_bigram_phrases():
    assert A.query_groups("第三排") == [("第三", "三排")]
    assert A.query_groups("T8涉水") == [("t8",), ("涉水",)]
    assert A.query_groups("Ｘ３　保养") == [("x3",), ("保养",)]
    assert A.query_groups("雨") == [("雨",)]
    assert A.query_groups("境悦MPV") == [("境悦mpv",)]
    assert A.query_groups("，。 ") == []


def test_a_work_stream_files_it_under_every_form_of_its_facets():
    stream = A.work_stream("标题", "", "正文", [ENTRIES[0], ENTRIES[2], ENTRIES[6]]).split()
    assert {"星途l7", "l7", "l7增程版", "增程", "程版", "星途"} <= set(stream)
    assert {"境悦mpv", "mpv", "境悦"} <= set(stream)   # MPV finds the model by its Latin part
    assert "陈默说车" in stream and "陈默" not in stream  # a name is one token, not bigrams
    # an alias's bigrams file the work under 冬天 too (冬天用车)
    assert "冬天" in A.work_stream("", "", "", [ENTRIES[3]]).split()


def test_text_keeps_bigrams_side_by_side_and_adds_vocabulary_forms():
    tokens = A.text_tokens("第三，后来重新排过。S5 EV 的 OTA 升级")
    assert "三排" not in tokens  # 第三，…排 is no 第三排
    assert "s5ev" in tokens and "ota升级" in tokens
    assert "l7" not in A.text_tokens("L70 的车")


def test_one_edit_from_a_vocabulary_form_reads_as_that_form():
    assert A.correct("星图L7") == "星途l7"
    assert A.correct("L7增城版") == "l7增程版"
    assert A.correct("OTA生级") == "ota升级"
    assert A.correct("ISOFXI") is None  # not a form here
    assert A.correct("境悦") is None     # too short to guess
    assert A.correct("冯博的山野日记") is None


def test_why_names_the_facet_that_matched_when_the_text_did_not():
    groups = A.query_groups("MPV")
    assert A.why(groups, "一台七座车的故事", [ENTRIES[2]]) == ["车型：境悦MPV"]
    assert A.why(groups, "这台 MPV 很宽敞", [ENTRIES[2]]) == []
    assert A.why(A.query_groups("冬天"), "雪地", [ENTRIES[3]]) == ["场景：冬季用车"]


def test_excerpts_mark_real_words_never_a_lone_character():
    text = "第三，后来重新排过。第三排坐两个孩子。"
    groups = A.query_groups("第三排")
    assert [text[s:e] for s, e in mark_spans(text, groups)] == ["第三排"]
    assert "<mark>第三排</mark>" in excerpt(text, groups)
    assert excerpt("ＯＴＡ升级以后", A.query_groups("OTA升级")) == "<mark>ＯＴＡ升级</mark>以后"
    assert excerpt("没有这个词", groups) == ""
    assert group_text(("第三", "三排")) == "第三排"


def test_a_vocabulary_form_never_strands_a_single_character():
    a = Analyzer(SearchVocabulary([VocabEntry("tag", "sliding-door", "滑门"), VocabEntry("scenario", "camping", "露营")]))
    assert a.query_groups("侧滑门") == [("侧滑", "滑门")]
    assert a.query_groups("滑门坏") == [("滑门", "门坏")]
    assert a.query_groups("的露营") == [("露营",)]
    assert a.query_groups("侧 滑门") == [("侧",), ("滑门",)]


def test_one_character_too_many_reads_as_a_two_character_form():
    a = Analyzer(SearchVocabulary([VocabEntry("scenario", "camping", "露营自驾", ("露营",))]))
    assert a.correct("露营营") == "露营"
    assert a.correct("露") is None and a.correct("露营") is None
