"""Editors' commands: koc new (flags and prompts), koc stats, koc schema."""

from __future__ import annotations

import io
import json

import pytest

import yaml

from conftest import REPO, koc, tree_bytes


def test_new_with_flags_passes_check_and_never_overwrites(project, capsys):
    args = ["new", "--title", "雪地里的 L7", "--type", "video", "--contributor", "alice:拍摄剪辑", "--contributor", "bob",
            "--scenario", "露营", "--model", "L7", "--tag", "冬季", "--date", "2026-01-20"]
    assert koc(*args, project=project) == 0
    path = project / "content/works/2026/2026-xue-di-li-de-l7.md"
    assert path.is_file(), capsys.readouterr()
    data = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert data["contributors"] == [{"id": "alice", "role": "拍摄剪辑"}, "bob"] and data["status"] == "draft"
    assert koc("check", project=project) == 0
    before = path.read_bytes()
    assert koc(*args, "--id", "2026-xue-di-li-de-l7", project=project) == 1
    assert "不会覆盖" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_new_suggests_an_id_from_the_title_and_keeps_it_unique(project, capsys):
    new = ("new", "--type", "video", "--contributor", "alice", "--model", "L7", "--scenario", "露营", "--date", "2026-05-01")
    assert koc(*new, "--title", "带娃露营两天一夜：第二排放平", project=project) == 0
    assert (project / "content/works/2026/2026-dai-wa-lu-ying-liang-tian-yi-ye.md").is_file()
    assert koc(*new, "--title", "带娃露营两天一夜：第二排放平", project=project) == 0
    assert (project / "content/works/2026/2026-dai-wa-lu-ying-liang-tian-yi-ye-2.md").is_file()
    # A title with nothing to spell: the model, scenario and type say what it is.
    assert koc(*new, "--title", "？！", project=project) == 0
    assert (project / "content/works/2026/2026-l7-camping-video.md").is_file()


def test_new_with_scripted_prompts(project, monkeypatch, capsys):
    answers = "后排能放几个安全座椅？\nqa\n2026-02-02\nbob:答主\n亲子游\n星途L7\n安全座椅\n\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    assert koc("new", "--prompt", project=project) == 0
    path = project / "content/works/2026/2026-hou-pai-neng-fang-ji-ge-an-quan-zuo-yi.md"
    assert path.is_file()
    out = capsys.readouterr().out
    assert "alice、bob、carol" in out and "周末亲子出游" in out  # allowed values offered
    assert koc("check", project=project) == 0


def test_new_contributor(project, capsys):
    assert koc("new", "contributor", "--id", "dave", "--name", "大卫", "--tier", "explorer", project=project) == 0
    people = yaml.safe_load((project / "content/contributors.yml").read_text(encoding="utf-8"))
    assert people["dave"]["name"] == "大卫" and people["alice"]["name"] == "阿丽"
    assert koc("new", "contributor", "--id", "dave", "--name", "别人", project=project) == 1
    assert koc("check", project=project) == 0


def test_stats_json_matches_the_library(project, capsys):
    assert koc("stats", "--json", "--as-of", "2026-06-01", project=project) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["works"] == {"total": 3, "in_force": 3, "draft": 0, "withdrawn": 0}
    assert {r["id"]: r["works"] for r in stats["by_type"]} == {"article": 1, "qa": 1, "video": 1}
    assert {r["id"]: r["works"] for r in stats["by_model"]} == {"xingtu-l7": 2, "xingtu-s5": 1}
    assert {r["id"]: r["works"] for r in stats["by_contributor"]} == {"bob": 2, "alice": 1, "carol": 1}
    assert stats["contributors_without_works"] == []
    assert koc("stats", "--json", "--as-of", "2026-12-15", project=project) == 0
    later = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in later["expiring"]] == ["2025-maintenance-article"]
    assert koc("stats", "--json", "--as-of", "2027-02-01", project=project) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["expired"]] == ["2025-maintenance-article"]


def test_stats_prints_tables_for_people(project, capsys):
    assert koc("stats", "--as-of", "2026-12-15", project=project) == 0
    out = capsys.readouterr().out
    assert "作品 3 件：在库 3，草稿 0，已撤回 0（数据截至 2026-12-15）" in out
    for title in ("按类型", "按场景", "按车型", "按贡献者", "30 天内到期"):
        assert title in out
    assert "2025-maintenance-article" in out.split("30 天内到期")[1]  # expires 2027-01-01: 17 days left
    assert "授权已到期：无" in out and "尚无作品的贡献者：无" in out


@pytest.mark.slow  # koc search builds a whoosh index
def test_commands_leave_content_untouched(project):
    before = tree_bytes(project / "content")
    for args in (("check",), ("stats", "--json"), ("search", "露营"), ("schema",)):
        koc(*args, project=project)
    assert tree_bytes(project / "content") == before
