#!/usr/bin/env bash
# Runs on the dev machine: copies the board to the VPS over ssh + rsync and manages
# the backup cron job there. Settings come from deploy.env (see deploy.env.example).
#   deploy.sh deploy | copy-backup-script | install-backup-cron | remove-backup-cron
#
# deploy sends the sources the image is built from plus prod/ and scripts/ops/ to
# DEPLOY_APP_DIR, and caddy/ to DEPLOY_CADDY_DIR. Files deleted locally are deleted
# there too, except what only lives on the VPS: prod/.secrets and the backups.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
action=${1:?usage: deploy.sh deploy|copy-backup-script|install-backup-cron|remove-backup-cron}

[ -f deploy.env ] || { echo "deploy: deploy.env is missing: cp deploy.env.example deploy.env and edit it" >&2; exit 1; }
# shellcheck source=deploy.env.example
. ./deploy.env
: "${DEPLOY_HOST:?set DEPLOY_HOST in deploy.env}" "${DEPLOY_USER:?set DEPLOY_USER in deploy.env}"
port=${DEPLOY_PORT:-22}
app_dir=${DEPLOY_APP_DIR:-/opt/powboard}
caddy_dir=${DEPLOY_CADDY_DIR:-/opt/caddy}
target="$DEPLOY_USER@$DEPLOY_HOST"
ssh_cmd=(ssh -p "$port")

remote() { "${ssh_cmd[@]}" "$target" "$@"; }
sync() { rsync -az --human-readable --info=stats1 -e "ssh -p $port" "$@"; }

case "$action" in
    deploy)
        remote "mkdir -p '$app_dir' '$caddy_dir' '$app_dir/backups'"
        # The VPS has no .git: the image learns its commit (powboard_build_info) from here.
        git rev-parse --short=12 HEAD >.build-commit 2>/dev/null || echo unknown >.build-commit
        sync --delete --filter="merge scripts/ops/deploy.rsync-filter" ./ "$target:$app_dir/"
        sync --delete --exclude='*.log' caddy/ "$target:$caddy_dir/"
        echo "deploy: copied. On the VPS: cd $caddy_dir && make up   (first time or after a Caddyfile change: make restart)"
        echo "deploy:                    cd $app_dir/prod && make up" ;;
    copy-backup-script)
        remote "mkdir -p '$app_dir/scripts/ops' '$app_dir/backups'"
        sync scripts/ops/backup.sh scripts/ops/restore.sh "$target:$app_dir/scripts/ops/" ;;
    install-backup-cron)
        remote "bash -s -- install '$app_dir' '${BACKUP_CRON_SCHEDULE:-17 3 * * *}'" <scripts/ops/backup-cron.sh ;;
    remove-backup-cron)
        remote "bash -s -- remove '$app_dir'" <scripts/ops/backup-cron.sh ;;
    *) echo "deploy: unknown action $action" >&2; exit 2 ;;
esac
