"""The two editions served by deploy/Caddyfile: a real Caddy on 127.0.0.1, real HTTP, real Chromium.

The demo library is built once per edition into temporary folders; the server is
started by `deploy/trial.py`, the very code behind `make serve-editions`. HTTP
requests go to 127.0.0.1 with the edition's Host header (internal.localhost,
dealer.localhost), paths sent byte for byte as written, so that traversal
attempts reach the server unnormalised. Skipped when caddy is not installed
(`.ci/run` installs Debian's package).
"""

from __future__ import annotations

import gzip
import http.client
import http.cookies
import http.server
import json
import re
import shutil
import socket
import subprocess
import ssl
import sys
import threading
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from conftest import REPO

if shutil.which("caddy") is None:
    pytest.skip("deploy tests skipped: caddy is not installed (apt-get install caddy; .ci/run does it)",
                allow_module_level=True)

sys.path.insert(0, str(REPO / "deploy"))
import csp  # noqa: E402
import trial  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

AS_OF = "2026-11-22"
# Planted in the build folders' surroundings and in hidden files: never in any response.
SECRET = "koc-deploy-secret-do-not-serve"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def editions(tmp_path_factory, demo_site) -> dict[str, Path]:
    """The demo library, one copy per edition, with hidden files planted inside and a secret next to it."""
    out = tmp_path_factory.mktemp("editions")
    # Copies: the shared builds (tests/conftest.py) must not get the planted files.
    sites = {audience: Path(shutil.copytree(demo_site(audience, as_of=AS_OF), out / audience)) for audience in ("internal", "dealer")}
    for site in sites.values():
        (site / ".htpasswd").write_text(f"admin:{SECRET}\n", encoding="utf-8")
        (site / ".git").mkdir()
        (site / ".git" / "config").write_text(f"[remote]\n\turl = {SECRET}\n", encoding="utf-8")
        (site / "works" / ".notes.md").write_text(SECRET, encoding="utf-8")
    (out / "secret.txt").write_text(SECRET, encoding="utf-8")
    return sites


@pytest.fixture(scope="module")
def server(editions):
    with trial.running_editions(editions["internal"], editions["dealer"]) as running:
        yield running


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes  # as sent: compressed if Content-Encoding says so

    def text(self) -> str:
        body = gzip.decompress(self.body) if self.headers.get("Content-Encoding") == "gzip" else self.body
        return body.decode("utf-8", "replace")


def get(port: int, edition: str, path: str, user: tuple[str, str] | None = None, tls: bool = False,
        **headers: str) -> Response:
    """One GET to 127.0.0.1:port for the edition's hostname; `path` goes on the wire unchanged."""
    headers = {"Host": f"{edition}.localhost:{port}", "Accept-Encoding": "identity",
               **{k.replace("_", "-"): v for k, v in headers.items()}}
    if user:
        headers["Authorization"] = "Basic " + b64encode(f"{user[0]}:{user[1]}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    if tls:
        # *.localhost may not resolve outside browsers: connect to 127.0.0.1, name the host in SNI.
        # The trial's certificates come from Caddy's local CA, which this client does not know.
        context = ssl._create_unverified_context()
        conn.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30),
                                        server_hostname=f"{edition}.localhost")
    try:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        return Response(r.status, r.headers, r.read())
    finally:
        conn.close()


def fetch(server, edition: str, path: str, as_edition: str | None = None, **headers: str) -> Response:
    """GET with the trial account of `as_edition` (default: the edition's own)."""
    return get(server.port, edition, path, server.accounts[as_edition or edition], **headers)


def first(site: Path, pattern: str) -> str:
    """URL path of the first file of `site` matching a glob, e.g. the Material bundle."""
    return "/" + sorted(site.glob(pattern))[0].relative_to(site).as_posix()


def a_work(site: Path) -> str:
    return "/" + sorted(site.glob("works/*/index.html"))[0].parent.relative_to(site).as_posix() + "/"


# -- authentication --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/works/", "/assets/stylesheets/koc.css", "/pagefind/pagefind.js", "/404.html"])
def test_without_credentials_both_hostnames_answer_401(server, path):
    for edition in trial.EDITIONS:
        r = get(server.port, edition, path)
        assert r.status == 401, (edition, path, r.status)
        assert r.headers["WWW-Authenticate"].startswith("Basic ")
        assert not r.body, "nothing of the site before authentication"


def test_each_account_opens_its_own_edition_only(server):
    internal = fetch(server, "internal", "/")
    assert internal.status == 200 and "内部版" in internal.text()
    dealer = fetch(server, "dealer", "/")
    assert dealer.status == 200 and "经销商版" in dealer.text()
    assert fetch(server, "internal", "/", as_edition="dealer").status in (401, 403)
    assert fetch(server, "dealer", "/", as_edition="internal").status in (401, 403)
    user, password = server.accounts["dealer"]
    assert get(server.port, "dealer", "/", (user, password + "x")).status == 401
    assert get(server.port, "dealer", "/", (user.upper(), password)).status == 401


def test_trial_passwords_are_random_and_only_their_hashes_are_on_disk(server, editions):
    (user_a, pw_a), (user_b, pw_b) = server.accounts["internal"], server.accounts["dealer"]
    assert user_a != user_b and pw_a != pw_b and len(pw_a) >= 16
    for edition, (user, password) in server.accounts.items():
        stored = (server.run_dir / "config" / f"{edition}.accounts").read_text(encoding="utf-8")
        assert re.fullmatch(rf"{user} \$2[aby]\$\d\d\$[./A-Za-z0-9]{{53}}\n", stored), stored
        assert password not in stored
    # Nothing of the run is left in the repository.
    assert not any(p.name.endswith(".accounts") for p in REPO.rglob("*.accounts"))


class _SsoStub(http.server.BaseHTTPRequestHandler):
    """A forward-auth server as Authelia behaves: a session cookie names the user; the user's
    edition is the only hostname it may open; no session → redirect to the login portal."""

    sessions = {"tok-staff": ("li.hua", "internal.localhost"), "tok-dealer": ("dealer.chengdu", "dealer.localhost")}
    seen: list[dict] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        cookie = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        token = cookie["koc_sso"].value if "koc_sso" in cookie else None
        host = self.headers.get("X-Forwarded-Host", "").rsplit(":", 1)[0]
        if token is None:
            target = f"{self.headers.get('X-Forwarded-Proto')}://{self.headers.get('X-Forwarded-Host')}{self.headers.get('X-Forwarded-Uri')}"
            self.send_response(302)
            self.send_header("Location", "http://sso.localhost/login?rd=" + quote(target, safe=""))
        elif token not in self.sessions:
            self.send_response(401)
        elif self.sessions[token][1] != host:
            self.send_response(403)
        else:
            self.send_response(200)
            self.send_header("Remote-User", self.sessions[token][0])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sso_server(editions):
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SsoStub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    try:
        with trial.running_editions(editions["internal"], editions["dealer"],
                                    sso_upstream=f"127.0.0.1:{stub.server_port}") as running:
            yield running
    finally:
        stub.shutdown()
        stub.server_close()


def test_forward_auth_server_decides_who_opens_which_edition(sso_server):
    port = sso_server.port
    assert sso_server.accounts == {}, "single sign-on replaces the built-in accounts"
    staff, dealer = {"Cookie": "koc_sso=tok-staff"}, {"Cookie": "koc_sso=tok-dealer"}

    _SsoStub.seen.clear()
    r = get(port, "internal", "/works/", **staff)
    assert r.status == 200 and "内部版" in r.text()
    asked = _SsoStub.seen[-1]
    # What the SSO server needs to decide per edition, and the endpoint Authelia answers on.
    assert asked["path"] == "/api/authz/forward-auth"
    assert asked["x-forwarded-host"] == f"internal.localhost:{port}"
    assert asked["x-forwarded-uri"] == "/works/" and asked["x-forwarded-method"] == "GET"

    assert get(port, "dealer", "/", **dealer).status == 200
    assert get(port, "internal", "/", **dealer).status == 403
    assert get(port, "dealer", "/", **staff).status == 403
    assert get(port, "internal", "/", Cookie="koc_sso=forged").status == 401

    login = get(port, "dealer", "/finder/?q=1")
    assert login.status == 302
    assert login.headers["Location"] == "http://sso.localhost/login?rd=" + quote(f"http://dealer.localhost:{port}/finder/?q=1", safe="")
    for denied in (login, get(port, "internal", "/", **dealer)):
        assert "<html" not in denied.text()
        assert "frame-ancestors 'none'" in denied.headers["Content-Security-Policy"]
    # A basic-auth header is no way around single sign-on.
    assert get(port, "internal", "/", ("staff", "anything")).status == 302


def test_unreachable_forward_auth_server_locks_everyone_out(editions):
    closed = trial.free_port()
    with trial.running_editions(editions["internal"], editions["dealer"], sso_upstream=f"127.0.0.1:{closed}") as running:
        r = get(running.port, "internal", "/", Cookie="koc_sso=tok-staff")
        assert r.status >= 500 and "<html" not in r.text()


# -- headers, compression, caching ------------------------------------------------------


def _policy(response: Response) -> dict[str, list[str]]:
    value = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in value.split("; ")}


def test_security_headers_on_pages_assets_errors_and_challenges(server, editions):
    for edition, site in editions.items():
        responses = {path: fetch(server, edition, path) for path in
                     ["/", a_work(site), "/finder/", first(site, "assets/javascripts/bundle.*.min.js"),
                      "/assets/stylesheets/koc.css", "/pagefind/pagefind.js", "/no-such-page/", "/.htpasswd"]}
        responses["401"] = get(server.port, edition, "/")
        expected = csp.policy(csp.scan_site(site))
        for path, r in responses.items():
            where = f"{edition} {path} ({r.status})"
            assert r.headers["Content-Security-Policy"] == expected, where
            policy = _policy(r)
            assert policy["frame-ancestors"] == ["'none'"] and policy["default-src"] == ["'none'"], where
            assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], where
            assert "'wasm-unsafe-eval'" in policy["script-src"] and policy["worker-src"] == ["'self'"], where
            assert r.headers["X-Content-Type-Options"] == "nosniff", where
            assert r.headers["Referrer-Policy"] == "same-origin", where
            assert r.headers["X-Frame-Options"] == "DENY", where
            # Plain HTTP: HSTS would be ignored by browsers, and is not sent.
            assert "Strict-Transport-Security" not in r.headers, where


def test_hsts_when_tls_is_on(editions):
    with trial.running_editions(editions["internal"], editions["dealer"], tls=True) as running:
        assert running.urls["dealer"].startswith("https://dealer.localhost:")
        for edition in trial.EDITIONS:
            for r in (get(running.port, edition, "/", running.accounts[edition], tls=True),
                      get(running.port, edition, "/", tls=True),
                      get(running.port, edition, "/no-such-page/", running.accounts[edition], tls=True)):
                assert r.headers["Strict-Transport-Security"] == "max-age=31536000", (edition, r.status)
                assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert get(running.port, edition, "/", tls=True).status == 401


def test_csp_hashes_exactly_the_inline_scripts_of_the_built_pages(server, editions):
    for edition, site in editions.items():
        hashes = {h for h in _policy(fetch(server, edition, "/"))["script-src"] if h.startswith("'sha256-")}
        scripts = set()
        for html in site.rglob("*.html"):
            for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html.read_text(encoding="utf-8"), re.S):
                if "src=" not in attrs and "application/json" not in attrs:
                    scripts.add(csp._sha256(body))
        # Material's set-up, palette and anchor scripts; one __md_scope per page depth.
        assert len(scripts) >= 4 and hashes == scripts, edition


def test_csp_tool_refuses_what_no_hash_can_allow(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text('<script type="application/json">{"a": 1}</script><script>go()</script>', encoding="utf-8")
    inventory = csp.scan_site(site)
    assert inventory.script_hashes == {csp._sha256("go()")} and not inventory.problems
    (site / "page.html").write_text('<a href="javascript:go()" onclick="go()">x</a><img src="https://img.example.com/a.jpg">',
                                    encoding="utf-8")
    inventory = csp.scan_site(site)
    assert len(inventory.problems) == 2 and all(p.startswith("page.html: ") for p in inventory.problems)
    assert "img-src 'self' data: https://img.example.com" in csp.policy(inventory)
    assert csp.main([str(site)]) == 1


def test_compression_is_negotiated(server, editions):
    site = editions["internal"]
    for path, file in [("/", site / "index.html"), ("/pagefind/pagefind.js", site / "pagefind" / "pagefind.js")]:
        plain = fetch(server, "internal", path)
        assert plain.body == file.read_bytes() and "Content-Encoding" not in plain.headers
        gz = fetch(server, "internal", path, Accept_Encoding="gzip")
        assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.body) == file.read_bytes()
        zs = fetch(server, "internal", path, Accept_Encoding="zstd, gzip")
        assert zs.headers["Content-Encoding"] == "zstd" and zs.body.startswith(ZSTD_MAGIC)
        assert len(zs.body) < len(plain.body) / 2
        assert "Accept-Encoding" in zs.headers["Vary"]
    missing = fetch(server, "internal", "/no-such-page/", Accept_Encoding="gzip")
    assert missing.status == 404 and missing.headers["Content-Encoding"] == "gzip"


def test_fingerprinted_assets_are_kept_and_everything_else_revalidated(server, editions):
    site = editions["internal"]
    immutable = [first(site, "assets/javascripts/bundle.*.min.js"), first(site, "assets/stylesheets/main.*.min.css"),
                 first(site, "pagefind/fragment/*"), first(site, "pagefind/index/*"), first(site, "pagefind/pagefind.*.pf_meta")]
    revalidated = ["/", a_work(site), "/assets/stylesheets/koc.css", "/assets/javascripts/koc-search.js",
                   "/pagefind/pagefind.js", "/pagefind/pagefind-entry.json", "/finder/data/facets.json"]
    for path in immutable:
        r = fetch(server, "internal", path)
        assert r.status == 200 and r.headers["Cache-Control"] == "private, max-age=31536000, immutable", path
    for path in revalidated:
        r = fetch(server, "internal", path)
        assert r.status == 200 and r.headers["Cache-Control"] == "private, no-cache", path
        # Revalidation is cheap: the same ETag gives 304 without a body.
        again = fetch(server, "internal", path, If_None_Match=r.headers["ETag"])
        assert again.status == 304 and not again.body, path
    # A 404 under a fingerprinted-looking name must not be kept for a year.
    missing = fetch(server, "internal", "/assets/javascripts/bundle.0000beef.min.js")
    assert missing.status == 404 and missing.headers["Cache-Control"] == "private, no-cache"


# -- nothing outside the edition ----------------------------------------------------------


ATTEMPTS = [
    "/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2E%2E/secret.txt", "/..%2fsecret.txt",
    "/works/..%2f..%2f..%2fsecret.txt", "/works/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt", "/..\\secret.txt",
    "/%252e%252e/secret.txt", "//secret.txt", "/../dealer/index.html", "/%2e%2e/dealer/", "/../internal.csp.caddy",
    "/../../config/internal.accounts", "/..%2f..%2fconfig%2finternal.accounts", "/.htpasswd", "/.git/config",
    "/.git/", "/%2egit/config", "/.koc-site", "/works/.notes.md", "/works/%2enotes.md", "/assets/", "/assets/javascripts/",
    "/pagefind/", "/pagefind/fragment/", "/media/", "/finder/data/",
]


@pytest.mark.parametrize("edition", trial.EDITIONS)
def test_traversal_dotfiles_and_folders_without_index_give_the_404_page(server, editions, edition):
    not_found = (editions[edition] / "404.html").read_text(encoding="utf-8")
    for path in ATTEMPTS:
        r = fetch(server, edition, path)
        assert r.status == 404, (path, r.status)
        body = r.text()
        assert body == not_found, path
        assert SECRET not in body and "$2a$" not in body and "Content-Security-Policy" not in body, path


def test_the_sites_own_404_page(server, editions):
    for edition, site in editions.items():
        r = fetch(server, edition, "/works/no-such-work/")
        assert r.status == 404 and r.headers["Content-Type"].startswith("text/html")
        assert r.text() == (site / "404.html").read_text(encoding="utf-8")


# -- the policy in a browser ------------------------------------------------------------------


# Recorded before any page script runs, in every frame.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile || location.href}`));
"""


def page_kinds(site: Path) -> list[str]:
    """One page of every kind: each top-level folder's index and its first sub-page (a work, a tag, …)."""
    urls = ["/"]
    for folder in sorted(p for p in site.iterdir() if p.is_dir()):
        if (folder / "index.html").is_file():
            urls.append(f"/{folder.name}/")
        children = sorted(p for p in folder.iterdir() if (p / "index.html").is_file())
        if children:
            urls.append(f"/{folder.name}/{children[0].name}/")
    return urls


@pytest.mark.browser
@pytest.mark.parametrize("edition", trial.EDITIONS)
def test_every_page_kind_search_and_finder_hold_under_the_policy(server, editions, browser, edition):
    site, origin = editions[edition], server.urls[edition].rstrip("/")
    user, password = server.accounts[edition]
    context = browser.new_context(http_credentials={"username": user, "password": password, "origin": origin})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console, failed = [], []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text} ({m.location.get('url')})")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("response", lambda r: failed.append(f"{r.url}: {r.status}") if r.status >= 400 else None)
    violations: dict[str, list[str]] = {}

    def visit(url: str) -> None:
        page.goto(origin + url, wait_until="networkidle")
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[url] = found

    try:
        kinds = page_kinds(site)
        assert {"/", "/works/", "/finder/", "/tags/", "/contributors/"} <= set(kinds) and len(kinds) >= 15
        for url in kinds:
            visit(url)
            assert page.locator(".md-content").count() == 1, url
        assert ("经销商版" if edition == "dealer" else "内部版") in page.inner_text(".md-banner")

        # The finder with a query: Pagefind's WebAssembly in its worker, then the result cards.
        visit("/finder/?q=" + quote("续航"))
        page.wait_for_selector("#koc-finder[data-total]", state="attached", timeout=20000)
        assert int(page.get_attribute("#koc-finder", "data-total")) > 0
        assert page.locator(".koc-finder__results .koc-card-title").count() > 0
        violations.setdefault("finder", []).extend(page.evaluate("window.__cspViolations"))

        # The header search: type, see hits, follow one.
        visit("/")
        page.fill(".koc-search__input", "续航")
        page.wait_for_selector(".koc-search__hit", timeout=20000)
        page.click(".koc-search__hit")
        page.wait_for_url(re.compile(r"/works/[^/]+/$"))
        page.wait_for_load_state("networkidle")
        violations.setdefault("search", []).extend(page.evaluate("window.__cspViolations"))

        # The site's own 404 page, rendered with its scripts.
        page.goto(origin + "/no-such-page/", wait_until="networkidle")
        violations.setdefault("404", []).extend(page.evaluate("window.__cspViolations"))
        expected = f"{origin}/no-such-page/"
        failed[:] = [f for f in failed if f != f"{expected}: 404"]
        console[:] = [m for m in console if not (m.startswith("error: Failed to load resource") and m.endswith(f"({expected})"))]

        # The credentials belong to this edition's origin only (a second tab, whose
        # expected refusal is not one of the failures counted above).
        other = next(e for e in trial.EDITIONS if e != edition)
        tab = context.new_page()
        try:
            outcome = str(tab.goto(server.urls[other]).status)
        except PlaywrightError as refused:  # Chromium gives up on the challenge it has no answer for
            outcome = str(refused)
        assert outcome == "401" or "ERR_INVALID_AUTH_CREDENTIALS" in outcome, outcome
    finally:
        context.close()
    violations = {k: v for k, v in violations.items() if v}
    assert not violations, violations
    assert not console, console
    assert not failed, failed


# -- delivery ---------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (apt-get install rsync; .ci/run does it)")
def test_publish_script_delivers_both_editions_with_their_policies_and_switches_at_once(editions, tmp_path):
    # ssh stand-in: drops the host name and runs the command here, so rsync and the
    # remote commands of deploy/publish.sh run for real against a local "server" folder.
    fake_ssh = tmp_path / "fake-ssh"
    fake_ssh.write_text('#!/bin/sh\n'
                        'while [ "${1#-}" != "$1" ]; do case $1 in -[lpio]) shift 2;; *) shift;; esac; done\n'
                        'shift\nexec sh -c "$*"\n', encoding="utf-8")
    fake_ssh.chmod(0o755)
    server_dir, reloads = tmp_path / "srv" / "koc-works", tmp_path / "reloads"
    env = {"PATH": "/usr/bin:/bin", "DEPLOY_TARGET": "deploy@intranet", "DEPLOY_PATH": str(server_dir),
           "DEPLOY_RELOAD": f"echo reloaded >> {reloads}", "DEPLOY_KEEP": "1", "DEPLOY_SSH": str(fake_ssh)}
    script = REPO / "deploy" / "publish.sh"
    for _ in range(2):
        run = subprocess.run([str(script), str(editions["internal"]), str(editions["dealer"])], env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
    releases = sorted((server_dir / "releases").iterdir())
    assert len(releases) == 1, "older releases beyond DEPLOY_KEEP are removed"
    current = server_dir / "current"
    assert current.is_symlink() and current.resolve() == releases[0].resolve()
    for edition, site in editions.items():
        delivered = current / edition
        assert sorted(p.relative_to(delivered) for p in delivered.rglob("*")) == sorted(p.relative_to(site) for p in site.rglob("*"))
        assert (delivered / "index.html").read_bytes() == (site / "index.html").read_bytes()
        snippet = (current / f"{edition}.csp.caddy").read_text(encoding="utf-8")
        assert snippet == csp.caddy_snippet(csp.policy(csp.scan_site(site)))
    assert reloads.read_text().splitlines() == ["reloaded", "reloaded"]
    # Missing configuration stops before anything is sent.
    bare = {k: v for k, v in env.items() if k != "DEPLOY_TARGET"}
    run = subprocess.run([str(script), str(editions["internal"]), str(editions["dealer"])], env=bare,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "DEPLOY_TARGET" in run.stderr


class _GitLabApiStub(http.server.BaseHTTPRequestHandler):
    """GitLab's GET /projects/:id, answering with the configured Pages access level."""

    level = "private"

    def do_GET(self):  # noqa: N802
        if self.headers.get("PRIVATE-TOKEN") != "glpat-test" or self.path != "/api/v4/projects/42":
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"id": 42, "pages_access_level": self.level}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("level, token, allowed", [("private", "glpat-test", True), ("public", "glpat-test", False),
                                                   ("enabled", "glpat-test", False), ("private", "wrong", False),
                                                   ("private", "", False)])
def test_gitlab_pages_guard_allows_members_only_pages(level, token, allowed):
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _GitLabApiStub)
    _GitLabApiStub.level = level
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    try:
        env = {"PATH": "/usr/bin:/bin", "CI_API_V4_URL": f"http://127.0.0.1:{stub.server_port}/api/v4",
               "CI_PROJECT_ID": "42", "KOC_GITLAB_TOKEN": token}
        run = subprocess.run([sys.executable, str(REPO / "deploy" / "check_gitlab_pages_access.py")], env=env,
                             capture_output=True, text=True, timeout=60)
    finally:
        stub.shutdown()
        stub.server_close()
    assert (run.returncode == 0) == allowed, run.stderr
    if not allowed:
        assert run.stderr.startswith("Not publishing")


# -- the documented production set-ups -----------------------------------------------------------


def _adapt(env_extra: dict[str, str], root: Path, config: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "KOC_ROOT": str(root), "KOC_CONFIG": str(config),
           "KOC_INTERNAL_ADDRESS": "https://works.intra.example.com",
           "KOC_DEALER_ADDRESS": "https://dealer-works.intra.example.com", **env_extra}
    return subprocess.run(["caddy", "adapt", "--adapter", "caddyfile", "--config", str(trial.CADDYFILE)],
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.slow  # many libraries, files or processes: end to end
def test_documented_production_setups_are_valid_and_fail_closed(tmp_path):
    root, config = tmp_path / "root", tmp_path / "config"
    (config / "sites").mkdir(parents=True)
    root.mkdir()
    for edition in trial.EDITIONS:
        (root / f"{edition}.csp.caddy").write_text(csp.caddy_snippet("default-src 'none'; frame-ancestors 'none'"))

    # Built-in accounts: without an accounts file there is no configuration at all.
    missing = _adapt({}, root, config)
    assert missing.returncode != 0 and "internal.accounts" in missing.stderr
    hashed = trial.hash_password("correct horse")
    for edition in trial.EDITIONS:
        (config / f"{edition}.accounts").write_text(f"{edition}-user {hashed}\n")
    basic = _adapt({}, root, config)
    assert basic.returncode == 0, basic.stderr
    assert basic.stdout.count('"http_basic"') == 2 and "forward-auth" not in basic.stdout
    assert "works.intra.example.com" in basic.stdout and "dealer-works.intra.example.com" in basic.stdout

    # Single sign-on with the Authelia example: its portal site, both editions asking it.
    shutil.copy(REPO / "deploy" / "sso" / "authelia.caddy", config / "sites" / "authelia.caddy")
    sso = _adapt({"KOC_AUTH": "sso", "KOC_SSO_UPSTREAM": "127.0.0.1:9091"}, root, config)
    assert sso.returncode == 0, sso.stderr
    assert '"http_basic"' not in sso.stdout and sso.stdout.count("/api/authz/forward-auth") == 2
    assert "auth.intra.example.com" in sso.stdout and sso.stdout.count('"dial":"127.0.0.1:9091"') == 3

    # The Authelia example protects exactly these two hostnames, with its portal on the one served above.
    authelia = yaml.safe_load((REPO / "deploy" / "sso" / "authelia-configuration.yml").read_text(encoding="utf-8"))
    rules = authelia["access_control"]["rules"]
    assert authelia["access_control"]["default_policy"] == "deny"
    assert {r["domain"] for r in rules} == {"works.intra.example.com", "dealer-works.intra.example.com"}
    assert all(r["policy"] != "bypass" and r["subject"] for r in rules)
    assert authelia["session"]["cookies"][0]["authelia_url"] == "https://auth.intra.example.com"
    assert authelia["server"]["endpoints"]["authz"]["forward-auth"]["implementation"] == "ForwardAuth"
