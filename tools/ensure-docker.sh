#!/usr/bin/env bash
# Make sure a Docker engine answers. On a Debian machine where we are root and no
# daemon runs (the project's CI machines have no systemd), install docker.io and
# start dockerd in the background. Anywhere else, fail and say what is missing.
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || [ ! -r /etc/debian_version ]; then
  log "no Docker engine answers 'docker info', and this is not a Debian machine where we are root."
  log "Install and start a Docker engine (or give this user access to one), then run again."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "dockerd is missing: installing Debian's docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

log "starting dockerd in the background (log: /var/log/dockerd.log)"
nohup dockerd >/var/log/dockerd.log 2>&1 &

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "dockerd is up"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; last lines of /var/log/dockerd.log:"
tail -n 20 /var/log/dockerd.log >&2
exit 1
