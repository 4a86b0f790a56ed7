"""Validation without a site build: messages, reporter, structural errors of each source file."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import write_library
from generator.content.check import check_library
from generator.content.reporter import MESSAGES, Reporter, message
from generator.content.schema import WorkFrontmatter
from generator.content.yaml_source import load_yaml
from generator.options import Options


def _err(kind, loc=("date",), **extra):
    return {"type": kind, "loc": loc, "msg": extra.pop("msg", "pydantic says"), "input": extra.pop("input", "x"), **extra}


@pytest.mark.parametrize("err, expected", [
    (_err("missing", ("title",)), "缺少必填字段 title (missing required field)"),
    (_err("extra_forbidden", ("rights", "expire")), '未知字段 rights.expire；你是不是想写 "expires"？ (unknown field)'),
    (_err("enum", ("type",), input="vlog", ctx={"expected": "'article' or 'video'"}), "type 的值 'vlog' 无效，可选：'article' or 'video'"),
    (_err("date_parsing", input="2026-13-01"), "date 的日期 '2026-13-01' 无效，应写成 YYYY-MM-DD 且是真实存在的日期"),
    (_err("value_error", msg="Value error, date must be written YYYY-MM-DD", input=20250614),
     "date 的日期 20250614 格式不对，应写成 YYYY-MM-DD，例如 2025-06-14"),
    (_err("value_error", msg="Value error, something else"), "date: Value error, something else"),
    (_err("string_too_long", ("title",), ctx={"max_length": 120}), "title 太长：最多 120 个字符"),
    (_err("too_short", ("contributors",), ctx={"min_length": 1}), "contributors 至少需要 1 项"),
    (_err("list_type", ("tags",), input="露营"), "tags 的类型不对：应为列表 [a, b]，实际是 '露营'"),
    (_err("int_parsing", ("evaluation", "score"), input="x" * 60), "evaluation.score 的类型不对：应为整数，实际是 '" + "x" * 36 + "..."),
    (_err("some_new_kind", ("x",)), "x: pydantic says"),
])
def test_messages_are_table_driven(err, expected):
    assert message(err, ["expires", "uses", "credit_line", "note"]) == expected


def test_every_message_in_the_table_formats():
    for kind in MESSAGES:
        text = message(_err(kind, ctx={"expected": "a", "max_length": 1, "min_length": 1, "pattern": "p"}), ["date"])
        assert "{" not in text and "date" in text, (kind, text)


def test_reporter_parses_and_names_the_line_of_each_mistake():
    data = load_yaml("title: 标题\ntype: vlog\ndate: 2026-01-01\ncontributors: [a]\nrights: {uses: []}\ntag: [x]\n")
    report = Reporter()
    assert report.parse(WorkFrontmatter, data, "w.md") is None
    found = sorted((p.line, p.message.split(" ")[0]) for p in report.problems)
    assert found == [(2, "type"), (6, "未知字段")]
    assert report.parse(WorkFrontmatter, ["not", "a", "mapping"], "w.md") is None
    assert report.problems[-1].message == "这里应是 “字段: 值” 的映射"


def _check(tmp_path, **library):
    project = write_library(tmp_path / "p", **library)
    return check_library(Options(project_dir=project, as_of=dt.date(2026, 6, 1)).resolve())


def _errors(checked, path):
    return [(p.line, p.message) for p in checked.problems if p.severity == "error" and p.path == path]


def test_taxonomy_that_is_not_a_mapping_is_one_clear_error(tmp_path):
    checked = _check(tmp_path, taxonomy=["露营"])
    assert _errors(checked, "content/taxonomy.yml") == [(1, "这里应是 “字段: 值” 的映射")]


def test_taxonomy_duplicates_are_reported_at_the_term(tmp_path):
    taxonomy = {"scenarios": [{"slug": "camping", "label": "露营自驾", "aliases": ["露营"]},
                              {"slug": "camping", "label": "野营"}, {"slug": "trip", "label": "出游", "aliases": ["露营"]}],
                "models": [{"slug": "xingtu-l7", "label": "星途L7"}]}
    errors = _errors(_check(tmp_path, taxonomy=taxonomy), "content/taxonomy.yml")
    assert (6, "scenarios 中的 slug camping 重复") in errors
    assert (8, "scenarios 中的名称“露营”同时属于 camping 和 trip") in errors


@pytest.mark.parametrize("contributors, expected", [
    (["alice"], (1, "contributors.yml 应是 “id: {name: …}” 的映射")),
    ({"Alice Wang": {"name": "阿丽"}}, (1, "贡献者 id “Alice Wang” 只能用小写字母、数字和连字符，且以字母或数字开头；例如 alice-wang")),
    ({"alice": "阿丽"}, (1, "贡献者 alice 应是映射，至少需要 name")),
    ({"alice": {"tier": "leader"}}, (2, "缺少必填字段 alice.name (missing required field)")),
])
def test_contributors_structural_errors(tmp_path, contributors, expected):
    checked = _check(tmp_path, contributors=contributors, works={})
    assert expected in _errors(checked, "content/contributors.yml")


def test_honors_must_name_known_people_and_works(tmp_path):
    honors = [{"year": 2026, "award": "年度作者", "contributor": "alise", "works": ["2026-camping-vide"]}]
    errors = [m for _, m in _errors(_check(tmp_path, honors=honors), "content/honors.yml")]
    assert errors == ['未知贡献者 alise；你是不是想写 "alice"？', '未知作品 2026-camping-vide；你是不是想写 "2026-camping-video"？']


def test_a_collection_query_that_cannot_run_is_reported_at_its_line(tmp_path):
    collections = {"bad": {"title": "坏查询", "audience": "training", "query": "colour:red AND type:video"},
                   "unknown": {"title": "未知值", "audience": "training", "query": "scenario:火星"}}
    checked = _check(tmp_path, collections=collections)
    bad = _errors(checked, "content/collections/bad.yml")
    assert len(bad) == 1 and bad[0][0] == 3 and bad[0][1].startswith("collection 的 query 无法使用：未知字段 colour:")
    assert _errors(checked, "content/collections/unknown.yml") == [(3, "collection 的 query 无法使用：未知的值：scenario:火星")]


@pytest.mark.parametrize("query, error", [
    ("colour:red", "未知字段 colour:"),
    ("scenario:火星", "未知的值：scenario:火星"),
    ("type:vlog OR use:everywhere", "未知的值：type:vlog、use:everywhere"),
])
def test_query_errors_name_what_is_wrong(tmp_path, query, error):
    from generator.search.index import make_schema
    from generator.search.query import QueryError, make_resolver, parse_query

    checked = _check(tmp_path)
    with pytest.raises(QueryError, match=error):
        parse_query(query, make_schema(), make_resolver(checked.library, checked.tags))


def test_labels_and_aliases_resolve_to_the_indexed_values(tmp_path):
    from generator.search.index import make_schema
    from generator.search.query import make_resolver, parse_query

    checked = _check(tmp_path)
    q = parse_query("scenario:亲子游 AND type:视频 AND use:经销商会议", make_schema(), make_resolver(checked.library, checked.tags))
    assert sorted((t.fieldname, t.text) for t in q.leaves()) == [("scenario", "family-weekend"), ("type", "video"), ("use", "dealer_meeting")]
