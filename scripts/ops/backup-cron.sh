#!/usr/bin/env bash
# Runs ON THE VPS (deploy.sh pipes it over ssh): install, remove or show the daily
# backup line in the current user's crontab. Idempotent: the line is recognised by
# its marker comment, so installing twice leaves one line, with the newest schedule;
# every other line of the crontab is kept as it is.
#   backup-cron.sh install|remove|show APP_DIR [SCHEDULE]
set -euo pipefail

action=${1:?usage: backup-cron.sh install|remove|show APP_DIR [SCHEDULE]}
app_dir=${2:?usage: backup-cron.sh install|remove|show APP_DIR [SCHEDULE]}
schedule=${3:-17 3 * * *}
marker="# powboard-backup"
line="$schedule make -s -C $app_dir/prod backup >>$app_dir/backups/cron.log 2>&1 $marker"

command -v crontab >/dev/null || { echo "backup-cron: crontab not found (apt-get install cron)" >&2; exit 1; }
current=$(crontab -l 2>/dev/null || true)
others=$(grep -vF -- "$marker" <<<"$current" || true)

case "$action" in
    install)
        [ -f "$app_dir/prod/Makefile" ] || { echo "backup-cron: $app_dir/prod/Makefile not found: deploy first" >&2; exit 1; }
        mkdir -p "$app_dir/backups"
        { [ -z "$others" ] || printf '%s\n' "$others"; printf '%s\n' "$line"; } | crontab -
        echo "backup-cron: installed: $line" ;;
    remove)
        if [ -z "$others" ]; then crontab -r 2>/dev/null || true; else printf '%s\n' "$others" | crontab -; fi
        echo "backup-cron: removed" ;;
    show)
        grep -F -- "$marker" <<<"$current" || echo "backup-cron: not installed" ;;
    *) echo "backup-cron: unknown action $action" >&2; exit 2 ;;
esac
