"""Refuse to publish to GitLab Pages unless the project's Pages are for its members only.

GitLab Pages access control (all tiers; Settings → General → Visibility →
Pages: "Only project members") is what keeps an edition from being public.
The `pages` job of .gitlab-ci.yml runs this first and stops when the setting
is anything else, or cannot be read:

    python3 deploy/check_gitlab_pages_access.py

Reads CI_API_V4_URL and CI_PROJECT_ID (set by GitLab) and KOC_GITLAB_TOKEN, a
project access token with the read_api scope (a masked CI/CD variable): the
job's own CI_JOB_TOKEN may not read project settings.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request


def pages_access_level(api: str, project: str, token: str) -> str:
    request = urllib.request.Request(f"{api.rstrip('/')}/projects/{project}", headers={"PRIVATE-TOKEN": token})
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response).get("pages_access_level", ""))


def main() -> int:
    api, project, token = (os.environ.get(k, "") for k in ("CI_API_V4_URL", "CI_PROJECT_ID", "KOC_GITLAB_TOKEN"))
    if not (api and project and token):
        print("Not publishing: set the CI/CD variable KOC_GITLAB_TOKEN (project access token, read_api) so that "
              "this job can check that Pages are visible to project members only.", file=sys.stderr)
        return 1
    try:
        level = pages_access_level(api, project, token)
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"Not publishing: could not read the project's Pages setting ({error}).", file=sys.stderr)
        return 1
    if level != "private":
        print(f"Not publishing: Pages access is {level or 'unknown'!r}, so anyone could read the edition. "
              "Set Settings → General → Visibility → Pages to \"Only project members\".", file=sys.stderr)
        return 1
    print("Pages access: only project members.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
