"""Hostile and odd input (SPEC §6, §8): clear messages, no tracebacks, nothing lost."""

from __future__ import annotations

import os
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEFAULT_WORKS, build, koc, page, tree_bytes, work, write_library

W = "content/works/2026/2026-camping-video.md"


def check_output(project, capsys):
    code = koc("check", project=project)
    return code, capsys.readouterr().out


@pytest.mark.slow
def test_bom_and_crlf_are_accepted(project, capsys):
    path = project / W
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    code, out = check_output(project, capsys)
    assert code == 0, out
    site = build(project)
    assert page(site, "works/2026-camping-video/").select_one(".koc-credit-box")


@pytest.mark.parametrize("text, words, line", [
    ("", "文件为空", 1),
    ("   \n\n", "文件为空", 1),
    ("---\n- a\n- b\n---\n正文\n", "frontmatter 应是", 2),
    ("---\ntitle: 一\ntitle: 二\ntype: qa\n---\n正文\n", "字段 title 重复出现", 3),
    ("---\ntitle: 没有结束\ntype: qa\n", "frontmatter 没有结束", 1),
    ("---\ntitle: \"未闭合\ntype: qa\n---\n", "YAML 语法错误", 2),
])
def test_unreadable_work_files_get_a_clear_message(project, capsys, text, words, line):
    (project / W).write_text(text, encoding="utf-8")
    code, out = check_output(project, capsys)
    assert code == 1
    assert f"{W}:{line}: error: {words}" in out, out


def test_huge_body_is_refused_with_its_size(project, capsys):
    path = project / W
    path.write_text(path.read_text(encoding="utf-8") + "长" * 1_100_000, encoding="utf-8")
    code, out = check_output(project, capsys)
    assert code == 1 and "正文过大" in out and "KB" in out


def test_chinese_file_name_gets_the_id_rule_and_a_suggestion(project, capsys):
    (project / W).rename(project / "content/works/2026/露营视频.md")
    code, out = check_output(project, capsys)
    assert code == 1
    assert "content/works/2026/露营视频.md: error:" in out and "建议改名为 lu-ying-shi-pin.md" in out


def test_media_cannot_escape_content(tmp_path, capsys):
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"x")
    project = write_library(tmp_path / "p")
    os.symlink(outside, project / "content/media/link.jpg")
    path = project / W
    text = path.read_text(encoding="utf-8").replace("featured: true", "featured: true\ncover: media/link.jpg\nmedia:\n- {type: image, src: /etc/passwd}\n- {type: link, src: 'javascript:alert(1)'}")
    path.write_text(text, encoding="utf-8")
    code, out = check_output(project, capsys)
    assert code == 1
    assert "指向 content/media/ 之外" in out and "不能是绝对路径" in out and "只能是 https:// 链接" in out


@pytest.mark.slow
def test_data_and_javascript_urls_are_removed_from_bodies(tmp_path):
    works = {"x": work("正文里的链接", date="2026-01-01", body='[a](javascript:alert(1)) <a href="data:text/html,hi">b</a> ![c](data:image/png;base64,AAAA) <a href="JaVaScRiPt:alert(2)">d</a>')}
    site = build(write_library(tmp_path / "p", works=works))
    body = page(site, "works/x/").select_one(".koc-body")
    for tag in body.find_all(["a", "img"]):
        for attr in ("href", "src"):
            value = (tag.get(attr) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:")), tag


@pytest.mark.slow
def test_sitemap_lists_no_offline_work(tmp_path):
    import datetime as dt

    works = dict(DEFAULT_WORKS, old=work("过期", date="2024-01-01", rights={"uses": [], "expires": dt.date(2025, 1, 1)}))
    project = write_library(tmp_path / "p", works=works)
    cfg = project / "mkdocs.yml"
    cfg.write_text("site_url: https://koc.example.internal/\n" + cfg.read_text(encoding="utf-8"), encoding="utf-8")
    site = build(project)
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "works/2026-camping-video/" in sitemap and "works/old/" not in sitemap
    assert (site / "works/old/index.html").exists()


@pytest.mark.slow
def test_a_build_killed_half_way_leaves_the_previous_site(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    site = build(project)
    before = tree_bytes(site)
    # A hook that fails while MkDocs is writing pages: some are already in the temporary folder.
    (project / "failing_hook.py").write_text(
        "def on_post_page(output, page, config):\n"
        "    if page.file.src_uri == 'works/2026-family-qa.md':\n"
        "        raise RuntimeError('disk full')\n"
        "    return output\n", encoding="utf-8")
    cfg = project / "mkdocs.yml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "hooks:\n  - failing_hook.py\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="disk full"):
        koc("build", "--as-of", "2026-06-01", project=project)
    assert tree_bytes(site) == before
    assert not [p.name for p in project.iterdir() if p.name.startswith(".site.")]


# -- property: whatever the frontmatter, `koc check` answers with problems, never a traceback --

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                    st.text(max_size=40), st.text(alphabet=string.printable, max_size=300), st.dates().map(str))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
keys = st.sampled_from(["title", "type", "date", "contributors", "summary", "tags", "scenarios", "models", "task", "cover",
                        "media", "rights", "evaluation", "reuse", "featured", "status", "departments", "tag", "extra"])
frontmatter = st.dictionaries(keys, values, max_size=10)


@pytest.mark.slow  # a property test: 60 libraries checked
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fm=frontmatter, body=st.text(max_size=200))
def test_check_never_raises_and_names_a_file(tmp_path_factory, fm, body):
    from generator.options import Options
    from generator.content.check import check_library

    project = tmp_path_factory.mktemp("h")
    write_library(project, works={})
    path = project / "content/works/2026/fuzz.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + yaml.safe_dump(fm, allow_unicode=True) + "---\n" + body, encoding="utf-8")
    checked = check_library(Options(project_dir=project).resolve())
    for problem in checked.problems:
        assert problem.path.startswith("content/"), problem
        assert problem.message
