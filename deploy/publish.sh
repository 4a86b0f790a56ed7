#!/usr/bin/env bash
# Deliver both built editions to the server that runs deploy/Caddyfile, with rsync over ssh.
#
#   deploy/publish.sh SITE_INTERNAL SITE_DEALER        (e.g. deploy/publish.sh site site-dealer)
#
# Environment (the publish workflow fills it from repository secrets):
#   DEPLOY_TARGET   user@host that ssh logs in as; its key and known_hosts are set up by the caller
#   DEPLOY_PATH     folder on the server; Caddy's KOC_ROOT is DEPLOY_PATH/current
#   DEPLOY_RELOAD   command run on the server once the new release is in place, so that Caddy
#                   reads the new CSP snippets (default: sudo systemctl reload caddy)
#   DEPLOY_KEEP     releases kept on the server for a rollback (default: 5)
#   DEPLOY_SSH      the ssh command (default: ssh)
#
# Layout on the server, switched in one step (a symlink renamed over the old one):
#   DEPLOY_PATH/releases/<UTC time>/{internal,dealer}/            the two editions
#   DEPLOY_PATH/releases/<UTC time>/{internal,dealer}.csp.caddy   their Content-Security-Policy
#   DEPLOY_PATH/current -> releases/<UTC time>
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 SITE_INTERNAL SITE_DEALER" >&2
  exit 2
fi
internal=$1
dealer=$2
: "${DEPLOY_TARGET:?set DEPLOY_TARGET (user@host)}"
: "${DEPLOY_PATH:?set DEPLOY_PATH (the folder on the server)}"
reload=${DEPLOY_RELOAD:-sudo systemctl reload caddy}
keep=${DEPLOY_KEEP:-5}
ssh_cmd=${DEPLOY_SSH:-ssh}
here=$(cd "$(dirname "$0")" && pwd)

for site in "$internal" "$dealer"; do
  [ -f "$site/index.html" ] || { echo "$site: not a built edition" >&2; exit 2; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
python3 "$here/csp.py" "$internal" --caddy "$stage/internal.csp.caddy"
python3 "$here/csp.py" "$dealer" --caddy "$stage/dealer.csp.caddy"

release="releases/$(date -u +%Y%m%dT%H%M%S.%NZ)"
remote=$(printf '%q' "$DEPLOY_PATH")
$ssh_cmd "$DEPLOY_TARGET" "mkdir -p $remote/$release"
# Files unchanged since the current release are hard links, not copies.
for edition in internal dealer; do
  source=$internal
  [ "$edition" = dealer ] && source=$dealer
  rsync -a --delete -e "$ssh_cmd" --link-dest="$DEPLOY_PATH/current/$edition/" \
    "$source/" "$DEPLOY_TARGET:$DEPLOY_PATH/$release/$edition/"
done
rsync -a -e "$ssh_cmd" "$stage/internal.csp.caddy" "$stage/dealer.csp.caddy" "$DEPLOY_TARGET:$DEPLOY_PATH/$release/"

$ssh_cmd "$DEPLOY_TARGET" "set -e; cd $remote
ln -sfn $release current.new && mv -T current.new current
$reload
ls -1d releases/* | sort | head -n -$keep | xargs -r rm -rf"
echo "published $release to $DEPLOY_TARGET:$DEPLOY_PATH"
