"""SPEC §8: every bad input gets a message naming the file and line, all in one run,
a non-zero exit, and content/ left byte-identical."""

from __future__ import annotations

import pytest

from conftest import koc, tree_bytes, write_library

W = "content/works/2026/2026-camping-video.md"


def edit(project, rel, old, new):
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(project, rel, needle):
    for n, line in enumerate((project / rel).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


CASES = {
    # name: (change, file, line marker (text on the expected line) or None, expected words)
    "yaml syntax": (lambda p: edit(p, W, "title: 带娃露营两天一夜", "title: [带娃露营"), W, "title: [带娃露营", "YAML 语法错误"),
    "missing frontmatter": (lambda p: (p / W).write_text("只有正文，没有字段。\n", encoding="utf-8"), W, "只有正文", "缺少 frontmatter"),
    "missing required field": (lambda p: edit(p, W, "title: 带娃露营两天一夜\n", ""), W, None, "缺少必填字段 title"),
    "mistyped field": (lambda p: edit(p, W, "title: 带娃露营两天一夜", "title: [a, b]"), W, "title: [a, b]", "title 的类型不对"),
    "unknown field": (lambda p: edit(p, W, "tags:", "tag:"), W, "tag:", '未知字段 tag；你是不是想写 "tags"'),
    "bad date": (lambda p: edit(p, W, "date: 2026-03-01", "date: 2026-13-01"), W, "date: 2026-13-01", "date 的日期"),
    "unknown type": (lambda p: edit(p, W, "type: video", "type: vlog"), W, "type: vlog", "type 的值 'vlog' 无效"),
    "unknown use": (lambda p: edit(p, "content/works/2025/2025-maintenance-article.md", "- training", "- trainning"),
                    "content/works/2025/2025-maintenance-article.md", "- trainning", "rights.uses.0 的值 'trainning' 无效"),
    "unknown tier": (lambda p: edit(p, "content/contributors.yml", "tier: specialist", "tier: expert"),
                     "content/contributors.yml", "tier: expert", "bob.tier 的值 'expert' 无效"),
    "unknown scenario": (lambda p: edit(p, W, "- 露营\n", "- 露营地\n"), W, "- 露营地", "未知场景“露营地”；你是不是想写 \"露营\""),
    "unknown model": (lambda p: edit(p, W, "- L7", "- L8"), W, "- L8", "未知车型“L8”"),
    "unknown contributor": (lambda p: edit(p, W, "id: bob", "id: bobb"), W, "id: bobb", '未知贡献者 bobb：请先在 content/contributors.yml 中登记；你是不是想写 "bob"'),
    "duplicate id": (lambda p: (p / "content/works/2025/2026-camping-video.md").write_text((p / W).read_text(encoding="utf-8"), encoding="utf-8"),
                     "content/works/2026/2026-camping-video.md", None, "作品 id 2026-camping-video 重复"),
    "cover missing": (lambda p: edit(p, W, "featured: true", "featured: true\ncover: media/nope.jpg"), W, "cover: media/nope.jpg", "找不到媒体文件 content/media/nope.jpg"),
    "cover outside content": (lambda p: edit(p, W, "featured: true", "featured: true\ncover: media/../../secret.jpg"), W, "cover: media/../../secret.jpg", "不能是绝对路径或包含 .."),
    "non utf-8": (lambda p: (p / W).write_bytes("---\ntitle: 坏编码\n".encode("gbk")), W, None, "不是 UTF-8"),
    "score out of range": (lambda p: edit(p, W, "score: 5", "score: 7"), W, "score: 7", "evaluation.score 的值 7 超出范围"),
    "expiry before date": (lambda p: edit(p, "content/works/2025/2025-maintenance-article.md", "expires: 2027-01-01", "expires: 2024-01-01"),
                           "content/works/2025/2025-maintenance-article.md", "expires: 2024-01-01", "授权到期日 2024-01-01 早于作品日期 2025-10-01"),
    "honor unknown ids": (lambda p: (p / "content/honors.yml").write_text("- year: 2025\n  award: 最佳\n  contributor: alicia\n  works: [nope]\n", encoding="utf-8"),
                          "content/honors.yml", "contributor: alicia", '未知贡献者 alicia；你是不是想写 "alice"'),
    "collection bad query": (lambda p: ((p / "content/collections").mkdir(), (p / "content/collections/x.yml").write_text(
        "title: 合集\naudience: training\nquery: 'scenario:火星 AND (type:video'\n", encoding="utf-8")), "content/collections/x.yml", "query:", "collection 的 query 无法使用"),
    "collection unknown value": (lambda p: ((p / "content/collections").mkdir(), (p / "content/collections/x.yml").write_text(
        "title: 合集\naudience: training\nquery: 'scenario:火星 AND type:video'\n", encoding="utf-8")), "content/collections/x.yml", "query:", "scenario:火星"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_reported_with_file_and_line(tmp_path, capsys, name):
    change, rel, marker, words = CASES[name]
    project = write_library(tmp_path / "p")
    change(project)
    expected_line = line_of(project, rel, marker) if marker else None
    before = tree_bytes(project / "content")

    assert koc("check", project=project) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(f"{rel}:") and words in line]
    assert lines, f"no message with {words!r} for {rel} in:\n{out}"
    if expected_line:
        assert any(line.startswith(f"{rel}:{expected_line}: error:") for line in lines), out
    assert tree_bytes(project / "content") == before

    # A build with errors publishes nothing and reports the same problems.
    assert koc("build", "--as-of", "2026-06-01", project=project) == 1
    assert not (project / "site").exists()
    assert words in capsys.readouterr().err
    assert tree_bytes(project / "content") == before


def test_all_problems_in_one_run(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    edit(project, W, "type: video", "type: vlog")
    edit(project, W, "tags:", "tag:")
    edit(project, "content/works/2025/2025-maintenance-article.md", "- training", "- trainning")
    assert koc("check", project=project) == 1
    out = capsys.readouterr().out
    assert out.count(": error:") == 3


@pytest.mark.slow
def test_failed_build_keeps_previous_site(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    assert koc("build", "--as-of", "2026-06-01", project=project) == 0
    before = tree_bytes(project / "site")
    edit(project, W, "type: video", "type: vlog")
    assert koc("build", "--as-of", "2026-06-01", project=project) == 1
    assert tree_bytes(project / "site") == before
    assert not [p for p in project.iterdir() if p.name.startswith(".site.")]


def test_clean_library_passes(project, capsys):
    assert koc("check", project=project) == 0
    assert ": error:" not in capsys.readouterr().out


def test_github_and_json_formats(tmp_path, capsys):
    import json

    project = write_library(tmp_path / "p")
    edit(project, W, "type: video", "type: vlog")
    assert koc("check", "--format", "github", project=project) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith(f"::error file={W},line={line_of(project, W, 'type: vlog')}::")
    assert koc("check", "--format", "json", project=project) == 1
    data = json.loads(capsys.readouterr().out)
    assert data[0]["path"] == W and data[0]["severity"] == "error"


def test_personal_data_warns_and_strict_fails(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    edit(project, W, "第二排放平以后", "有事打我电话 13912345678，第二排放平以后")
    assert koc("check", project=project) == 0
    out = capsys.readouterr().out
    assert f"{W}:{line_of(project, W, '13912345678')}: warning:" in out and "手机号" in out
    assert koc("check", "--strict", project=project) == 1
