"""Run deploy/Caddyfile on this machine, for a trial: both editions, fresh accounts.

    make serve-editions     # builds site/ and site-dealer/, then runs this
    python deploy/trial.py --internal site --dealer site-dealer [--port 8440] [--sso-upstream HOST:PORT]

Everything the server needs for this run (the published folder with links to
the two editions and their CSP snippets, the accounts files with bcrypt hashes,
Caddy's own state) goes into a temporary folder that is removed on exit; the
server listens on 127.0.0.1 only. The two editions get separate hostnames on
one port, internal.localhost and dealer.localhost: browsers resolve every
*.localhost name to the loopback address, so no /etc/hosts entry is needed.

The tests use `running_editions()` to start the very same server.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import csp  # noqa: E402

CADDYFILE = Path(__file__).resolve().parent / "Caddyfile"
EDITIONS = ("internal", "dealer")
# Trial account names: one per edition, each admitted to its own edition only.
TRIAL_USERS = {"internal": "staff", "dealer": "dealer"}


@dataclass(frozen=True)
class Trial:
    """A running server: the address of each edition and the accounts of this run."""

    port: int
    urls: dict[str, str]
    accounts: dict[str, tuple[str, str]]  # edition → (user, password); empty with single sign-on
    run_dir: Path


def caddy_binary() -> str:
    found = shutil.which("caddy")
    if not found:
        raise SystemExit("caddy is not installed (Debian: apt-get install caddy)")
    return found


def hash_password(password: str) -> str:
    """A bcrypt hash, made by Caddy itself (read from stdin, so it never shows in `ps`)."""
    result = subprocess.run([caddy_binary(), "hash-password", "--algorithm", "bcrypt"], input=password + "\n",
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(run_dir: Path, sites: dict[str, Path], port: int, accounts: dict[str, tuple[str, str]],
            sso_upstream: str | None = None, tls: bool = False) -> dict[str, str]:
    """Write the published folder and the installation folder; return the environment for Caddy."""
    root, config = run_dir / "root", run_dir / "config"
    root.mkdir(parents=True)
    (config / "sites").mkdir(parents=True)
    for edition, site in sites.items():
        site = site.absolute()
        if not (site / "index.html").is_file():
            raise SystemExit(f"{site}: not a built edition (run `make site dealer-site` first)")
        # Not resolved: a rebuild swaps a new folder in under the same name.
        (root / edition).symlink_to(site, target_is_directory=True)
        if csp.main([str(site), "--caddy", str(root / f"{edition}.csp.caddy")]) != 0:
            raise SystemExit(f"{site}: no Content-Security-Policy possible, see above")
    for edition, (user, password) in accounts.items():
        (config / f"{edition}.accounts").write_text(f"{user} {hash_password(password)}\n", encoding="utf-8")
    # A trial answers on the loopback interface only, and has no admin endpoint
    # that could clash with a system Caddy's. With TLS, certificates come from
    # Caddy's own local CA (kept in this run's folder, not added to the system's
    # trust store), and no redirect server is started on port 80.
    options = "admin off\ndefault_bind 127.0.0.1\n"
    if tls:
        options += "local_certs\nskip_install_trust\nauto_https disable_redirects\n"
    (config / "options.caddy").write_text(options, encoding="utf-8")
    scheme = "https" if tls else "http"
    env = dict(os.environ,
               KOC_ROOT=str(root), KOC_CONFIG=str(config),
               KOC_INTERNAL_ADDRESS=f"{scheme}://internal.localhost:{port}",
               KOC_DEALER_ADDRESS=f"{scheme}://dealer.localhost:{port}",
               KOC_AUTH="sso" if sso_upstream else "basic",
               # Caddy keeps its state under XDG folders: this run's, not the user's.
               XDG_CONFIG_HOME=str(run_dir / "caddy"), XDG_DATA_HOME=str(run_dir / "caddy"))
    if sso_upstream:
        env["KOC_SSO_UPSTREAM"] = sso_upstream
    return env


def _wait_until_listening(process: subprocess.Popen, port: int, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"caddy exited with status {process.returncode}:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"caddy did not listen on 127.0.0.1:{port} within {timeout} s:\n{log.read_text(errors='replace')}")


@contextlib.contextmanager
def running_editions(internal: Path, dealer: Path, port: int | None = None, sso_upstream: str | None = None,
                     tls: bool = False):
    """Start Caddy with deploy/Caddyfile; yield a `Trial`; stop it and remove its files.

    With `sso_upstream` ("127.0.0.1:9091"), both editions ask that forward-auth
    server instead of checking accounts. With `tls`, both are served over HTTPS
    with certificates from Caddy's local CA.
    """
    port = port or free_port()
    accounts = {} if sso_upstream else {e: (TRIAL_USERS[e], secrets.token_urlsafe(12)) for e in EDITIONS}
    run_dir = Path(tempfile.mkdtemp(prefix="koc-editions-"))
    process = None
    try:
        env = prepare(run_dir, {"internal": internal, "dealer": dealer}, port, accounts, sso_upstream, tls)
        log = run_dir / "caddy.log"
        with log.open("wb") as out:
            process = subprocess.Popen([caddy_binary(), "run", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
                                       env=env, stdout=out, stderr=subprocess.STDOUT, cwd=run_dir)
        _wait_until_listening(process, port, log)
        urls = {e: f"{'https' if tls else 'http'}://{e}.localhost:{port}/" for e in EDITIONS}
        yield Trial(port, urls, accounts, run_dir)
    finally:
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(run_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve both editions locally through deploy/Caddyfile, for a trial.")
    parser.add_argument("--internal", type=Path, default=Path("site"), help="the built internal edition (default: site)")
    parser.add_argument("--dealer", type=Path, default=Path("site-dealer"), help="the built dealer edition (default: site-dealer)")
    parser.add_argument("--port", type=int, default=8440, help="port on 127.0.0.1 for both hostnames (default: 8440)")
    parser.add_argument("--sso-upstream", metavar="HOST:PORT", help="use this forward-auth server instead of accounts")
    parser.add_argument("--https", action="store_true", help="serve over HTTPS with Caddy's local CA (the browser will warn)")
    args = parser.parse_args(argv)
    # `kill` (SIGTERM) stops the server and removes this run's files, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with running_editions(args.internal, args.dealer, args.port, args.sso_upstream, args.https) as trial:
        print("Both editions are served by Caddy (deploy/Caddyfile) on 127.0.0.1 until Ctrl-C:\n")
        for edition, label in (("internal", "内部版"), ("dealer", "经销商版")):
            line = f"  {label:<5} {trial.urls[edition]:<36}"
            if edition in trial.accounts:
                user, password = trial.accounts[edition]
                line += f" user {user!r}, password {password!r}"
            print(line)
        print("\nThe accounts are valid for this run only; each sees its own edition only.",
              "Open the addresses in Chromium or Firefox (they resolve *.localhost themselves).", sep="\n", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
