"""Issue 16: tasks as records, task pages, insights, the operations dashboard, `koc stats`, `koc new task`.

Unit tests write small libraries into tmp_path; the end-to-end tests build the
demo library in both editions with real MkDocs and read the HTML. Expected
values are computed here from the source files with plain YAML, never with
the generator's own functions.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO, build, demo_frontmatter, koc, work, write_library
from demo_build import MANIFEST_AS_OF

TASKS = {
    "camping-2026": {
        "title": "露营季征集", "goal": "展示后备箱装载", "scenarios": ["露营"], "models": ["L7"],
        "deliverable": {"type": "video", "length": "1–3 分钟"}, "period": {"from": dt.date(2026, 1, 1), "to": dt.date(2026, 6, 30)},
        "trust": "framework", "criteria": ["后备箱装载有具体物品", "时长一到三分钟"], "owner": "内容策划组",
    },
}
TAXONOMY_WITH_DEPARTMENTS = {
    "scenarios": [{"slug": "camping", "label": "露营自驾", "aliases": ["露营"]}],
    "models": [{"slug": "xingtu-l7", "label": "星途L7", "aliases": ["L7"]}],
    "departments": [{"slug": "rd", "label": "研发"}, {"slug": "after-sales", "label": "售后", "aliases": ["售后服务"]}],
}


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def task_project(tmp_path: Path, works: dict, tasks=TASKS) -> Path:
    root = write_library(tmp_path / "project", works=works, taxonomy=TAXONOMY_WITH_DEPARTMENTS)
    # Written out in full: shared objects would become YAML aliases, which content files may not use.
    (root / "content" / "tasks.yml").write_text(yaml.dump(tasks, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def check_json(project: Path, capsys, *extra: str) -> tuple[int, list[dict]]:
    capsys.readouterr()
    code = koc("check", "--format", "json", *extra, project=project)
    return code, json.loads(capsys.readouterr().out)


def line_of(path: Path, prefix: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(prefix))


# -- validation --------------------------------------------------------------------------


def test_unknown_task_id_is_an_error_with_file_line_and_did_you_mean(tmp_path, capsys):
    project = task_project(tmp_path, {"2026-a": work("甲", scenarios=["露营"], models=["L7"], task="camping-2062")})
    code, problems = check_json(project, capsys)
    assert code == 1
    [p] = [p for p in problems if "camping-2062" in p["message"]]
    path = project / "content" / "works" / "2026" / "2026-a.md"
    assert p["severity"] == "error" and p["path"] == "content/works/2026/2026-a.md"
    assert p["line"] == line_of(path, "task:")
    assert '"camping-2026"' in p["message"]


@pytest.mark.slow
def test_free_text_task_is_read_with_a_warning_that_says_how_to_fix_it(tmp_path, capsys):
    project = task_project(tmp_path, {"2026-a": work("甲", scenarios=["露营"], models=["L7"], task="2026露营季征集")})
    code, problems = check_json(project, capsys)
    assert code == 0
    [p] = problems
    assert p["severity"] == "warning" and "task: camping-2026" in p["message"] and "tasks.yml" in p["message"]
    code, _ = check_json(project, capsys, "--strict")
    assert code == 1
    site = build(project)
    page = (site / "works" / "2026-a" / "index.html").read_text(encoding="utf-8")
    assert "来源任务：2026露营季征集" in page  # still shown as written, not linked


def test_task_file_problems_are_all_reported_with_lines(tmp_path, capsys):
    bad = {
        "camping-2026": dict(TASKS["camping-2026"], scenarios=["露营地"]),
        "camping-2027": dict(TASKS["camping-2026"], trust="trusted"),
        "Bad Id": dict(TASKS["camping-2026"]),
        "late": dict(TASKS["camping-2026"], period={"from": dt.date(2026, 5, 1), "to": dt.date(2026, 1, 1)}),
    }
    project = task_project(tmp_path, {}, tasks=bad)
    code, problems = check_json(project, capsys)
    assert code == 1
    messages = [(p["line"], p["message"]) for p in problems if p["path"] == "content/tasks.yml"]
    text = "\n".join(m for _, m in messages)
    assert "露营地" in text and '"露营"' in text  # unknown scenario, with a suggestion
    assert "trusted" in text and "Bad Id" in text and "早于开始日期" in text
    assert all(line for line, _ in messages)


def test_departments_and_criteria_are_checked(tmp_path, capsys):
    works = {"2026-a": work("甲", "report", scenarios=["露营"], models=["L7"], task="camping-2026",
                            departments=["研发", {"name": "售后服务", "status": "forwarded", "date": dt.date(2026, 3, 1)}, "研发部"],
                            evaluation={"score": 4, "criteria": [5, 3, 4]})}
    project = task_project(tmp_path, works)
    code, problems = check_json(project, capsys)
    assert code == 1
    path = project / "content" / "works" / "2026" / "2026-a.md"
    [dept] = [p for p in problems if "研发部" in p["message"]]
    assert '"研发"' in dept["message"] and dept["line"] > line_of(path, "departments:") - 1
    [crit] = [p for p in problems if "evaluation.criteria" in p["message"]]
    assert "2 条评估标准" in crit["message"]


# -- koc new task ------------------------------------------------------------------------


def test_new_task_scaffolds_an_entry_that_checks_and_never_overwrites(tmp_path, capsys, monkeypatch):
    project = task_project(tmp_path, {})
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    args = ["new", "task", "--scenario", "camping", "--model", "xingtu-l7", "--title", "L7 露营夜拍", "--goal", "拍出营地夜景",
            "--criterion", "有夜景", "--owner", "内容策划组", "--from", "2026-07-01", "--trust", "open"]
    assert koc(*args, project=project) == 0
    tasks = yaml.safe_load((project / "content" / "tasks.yml").read_text(encoding="utf-8"))
    assert tasks["camping-l7-2026"]["trust"] == "open" and tasks["camping-l7-2026"]["scenarios"] == ["露营自驾"]
    assert tasks["camping-2026"] == TASKS["camping-2026"]  # the existing task is untouched
    assert check_json(project, capsys)[0] == 0
    before = (project / "content" / "tasks.yml").read_bytes()
    assert koc(*args, "--id", "camping-l7-2026", project=project) == 1
    assert (project / "content" / "tasks.yml").read_bytes() == before


# -- the demo library, built -------------------------------------------------------------


def in_force(fm: dict, as_of: dt.date) -> bool:
    expires = fm["rights"].get("expires")
    return fm.get("status", "published") == "published" and (expires is None or expires >= as_of)


def visible(fm: dict, audience: str, as_of: dt.date) -> bool:
    return in_force(fm, as_of) and (audience == "internal" or "dealer_meeting" in fm["rights"]["uses"])


@pytest.fixture(scope="module")
def editions(demo_site):
    return {audience: demo_site(audience, as_of=MANIFEST_AS_OF) for audience in ("internal", "dealer")}


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_demo_library_has_tasks_on_every_trust_level_and_reports_for_three_departments():
    tasks = yaml.safe_load((REPO / "content" / "tasks.yml").read_text(encoding="utf-8"))
    assert len(tasks) >= 6
    assert {t["trust"] for t in tasks.values()} == {"standard", "framework", "open"}
    works = demo_frontmatter()
    cited = {fm["task"] for fm in works.values() if fm.get("task")}
    assert cited <= set(tasks) and len(cited) >= 6  # every task: is an id now
    departments = Counter()
    for fm in works.values():
        for d in fm.get("departments", []):
            departments[d if isinstance(d, str) else d["name"]] += 1
    assert len(departments) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("audience", ["internal", "dealer"])
def test_task_pages_list_exactly_the_works_that_cite_them(editions, audience):
    site = editions[audience]
    as_of = dt.date.fromisoformat(MANIFEST_AS_OF)
    tasks = yaml.safe_load((REPO / "content" / "tasks.yml").read_text(encoding="utf-8"))
    works = demo_frontmatter()
    index = soup(site / "tasks" / "index.html")
    for tid in tasks:
        expected = {wid for wid, fm in works.items() if fm.get("task") == tid and visible(fm, audience, as_of)}
        page = soup(site / "tasks" / tid / "index.html")
        listed = {a["href"].split("/")[-2] for a in page.select(".koc-task-work .koc-card-title a")}
        assert listed == expected, tid
        assert index.find("a", href=f"../tasks/{tid}/"), tid
    # A work page links its task.
    page = soup(site / "works" / "2025-l7-camping-second-row" / "index.html")
    assert page.select_one("a.koc-task-link")["href"] == "../../tasks/family-weekend-l7-video/"


@pytest.mark.slow
def test_internal_task_page_evaluates_each_criterion_and_says_what_is_missing(editions):
    page = soup(editions["internal"] / "tasks" / "winter-range-test-2025" / "index.html")
    rows = page.select(".koc-criteria-table tbody tr")
    assert [r.select("td")[0].get_text(strip=True) for r in rows] == ["5 / 5", "4 / 5", "3 / 5", "3 / 5"]
    missing = [li.get_text(strip=True) for li in page.select("ul.koc-missing li")]
    assert missing == ["3. 给出实测续航与表显续航的对比和换算方法", "4. 空调设定与乘员人数写明，便于他人复现"]
    assert "只给了表显续航" in page.get_text()


def _criterion_notes() -> list[str]:
    notes = []
    for fm in demo_frontmatter().values():
        for c in (fm.get("evaluation") or {}).get("criteria") or []:
            if isinstance(c, dict) and c.get("note"):
                notes.append(c["note"])
    return notes


@pytest.mark.slow
def test_dealer_edition_has_no_internal_evaluations_insights_or_dashboard(editions):
    site = editions["dealer"]
    assert not (site / "insights").exists() and not (site / "dashboard").exists()
    assert (site / "tasks" / "index.html").is_file()
    notes = _criterion_notes()
    assert len(notes) >= 5
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "insights/" not in html and "dashboard/" not in html, page
        assert "koc-criteria-table" not in html and "还缺什么" not in html, page
        assert not [n for n in notes if n in html], page
    # The search bundle (Pagefind fragments are gzip) carries neither the pages nor the notes.
    for fragment in (site / "pagefind").rglob("*.pf_fragment"):
        text = gzip.decompress(fragment.read_bytes()).decode("utf-8", "replace")
        assert "/insights/" not in text and "/dashboard/" not in text and "/tasks/" not in text
        assert not [n for n in notes if n in text]
    # The internal edition has them all, and links them from the navigation.
    internal = editions["internal"]
    home = (internal / "index.html").read_text(encoding="utf-8")
    assert 'href="insights/"' in home and 'href="dashboard/"' in home
    assert all(any(n in p.read_text(encoding="utf-8") for p in (internal / "tasks").rglob("*.html")) for n in notes)


def _independent_coverage(use: str, as_of: dt.date) -> dict[tuple[str, str], int]:
    taxonomy = yaml.safe_load((REPO / "content" / "taxonomy.yml").read_text(encoding="utf-8"))

    def resolver(group):
        names = {}
        for t in taxonomy[group]:
            for name in [t["label"], *t.get("aliases", [])]:
                names[name.casefold()] = t["label"]
        return lambda name: names[name.strip().casefold()]

    scenario, model = resolver("scenarios"), resolver("models")
    counts = Counter()
    for fm in demo_frontmatter().values():
        if in_force(fm, as_of) and use in fm["rights"]["uses"]:
            for s in dict.fromkeys(scenario(x) for x in fm.get("scenarios", [])):
                for m in dict.fromkeys(model(x) for x in fm.get("models", [])):
                    counts[(s, m)] += 1
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("use", ["training", "dealer_meeting"])
def test_dashboard_heatmap_cells_equal_counts_computed_here(editions, use):
    page = soup(editions["internal"] / "dashboard" / "index.html")
    table = page.select_one(f"#coverage-{use} ~ details .koc-heatmap table")
    models = [th.get_text(strip=True) for th in table.select("thead th")[1:]]
    expected = _independent_coverage(use, dt.date.fromisoformat(MANIFEST_AS_OF))
    gaps = 0
    for row in table.select("tbody tr"):
        scenario = row.th.get_text(strip=True)
        for m, td in zip(models, row.select("td")):
            n = expected.get((scenario, m), 0)
            if n:
                assert td.get_text(strip=True) == str(n), (scenario, m)
            else:
                gaps += 1
                link = td.select_one("a")
                assert link.get_text() == "缺口"
                command = page.select_one(link["href"]).code.get_text()
                assert re.fullmatch(r"koc new task --scenario [a-z0-9-]+ --model [a-z0-9-]+", command)
    assert gaps > 0  # the demo library shows its gaps


@pytest.mark.slow
def test_dashboard_is_self_contained_small_and_charts_carry_no_script_or_style(editions):
    site = editions["internal"]
    path = site / "dashboard" / "index.html"
    html = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 150_000
    page = BeautifulSoup(html, "html.parser")
    for tag in page.find_all(["script", "link", "img", "iframe", "image", "use"]):
        for attr in ("src", "href", "xlink:href"):
            target = tag.get(attr) or ""
            assert not re.match(r"^(https?:)?//", target), (tag.name, target)
    charts = page.select("figure.koc-chart svg")
    assert len(charts) == 7
    for svg in charts:
        assert svg["role"] == "img" and svg["aria-label"]
        assert not svg.find_all(["script", "style"]) and not svg.find_all(style=True)
        # Each chart has a data table after it.
        assert svg.find_parent("figure").find_next_sibling("details").find("table")
    css = (site / "assets" / "stylesheets" / "dashboard-charts.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css


@pytest.mark.slow
def test_insights_group_reports_by_department_with_status(editions):
    page = soup(editions["internal"] / "insights" / "index.html")
    departments = [h.get_text(strip=True) for h in page.select("h2[id]")]
    assert {"研发", "售后", "质量"} <= set(departments)
    quality = page.select_one("h2#quality").find_next("ul")
    assert "已转交 · 2026-05-20" in quality.get_text()


def test_koc_stats_json_has_the_dashboard_figures(capsys):
    capsys.readouterr()
    assert koc("stats", "--json", "--as-of", MANIFEST_AS_OF, project=REPO) == 0
    data = json.loads(capsys.readouterr().out)["operations"]
    cov = data["coverage"]["training"]
    expected = _independent_coverage("training", dt.date.fromisoformat(MANIFEST_AS_OF))
    taxonomy = yaml.safe_load((REPO / "content" / "taxonomy.yml").read_text(encoding="utf-8"))
    labels_s = {t["slug"]: t["label"] for t in taxonomy["scenarios"]}
    labels_m = {t["slug"]: t["label"] for t in taxonomy["models"]}
    for i, s in enumerate(cov["scenarios"]):
        for j, m in enumerate(cov["models"]):
            assert cov["cells"][i][j] == expected.get((labels_s[s], labels_m[m]), 0)
    assert [r["expires"] for r in data["expiring_90_days"]] == sorted(r["expires"] for r in data["expiring_90_days"])
    assert len(data["intake_by_month"]["periods"]) == 24


@pytest.mark.slow
def test_dashboard_of_a_library_with_no_recent_work_still_builds(tmp_path):
    works = {"2019-a": work("旧作", date="2019-01-10", scenarios=["露营"], models=["L7"], task="camping-2026")}
    site = build(task_project(tmp_path, works))
    page = soup(site / "dashboard" / "index.html")
    assert len(page.select("figure.koc-chart svg")) == 5  # no top lists: nothing this year
    assert "今年还没有复用记录" in page.get_text()
