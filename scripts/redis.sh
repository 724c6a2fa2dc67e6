#!/usr/bin/env bash
# Ensures `redis-server` (and `redis-cli`) are installed, for the cluster tests and the BullMQ example.
#
# The tests start their own throw-away redis-server on a free loopback port (test/support/redis.ts);
# this script only installs the binary. When it has to install the Debian package it makes sure the
# package does NOT stay running as a system service on the default port 6379: the service is kept
# from starting during the install (policy-rc.d) and is stopped and disabled afterwards in case it
# started anyway.
#
# Idempotent and quiet: prints nothing when redis-server is already there; exits non-zero with a
# message on stderr on failure.
#
# Usage: bash scripts/redis.sh
set -euo pipefail

say() { printf 'scripts/redis.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  die "redis-server is not installed and this script is not running as root; install it with: sudo apt-get install -y redis-server (or put redis-server on PATH)"
fi
command -v apt-get >/dev/null 2>&1 || die "redis-server is not installed and apt-get is not available; install redis-server (>= 6.2) by other means and put it on PATH"

# Keep the package's init script from starting a system-wide server during the install.
# Only create policy-rc.d when there is none, and remove only the one we created.
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() { if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created_policy=1
fi

log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server redis-tools; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2 || true
  rm -f "$log"
  die "apt-get install redis-server failed (output above)"
fi
rm -f "$log"

# If the package's service started anyway, stop it and keep it from starting at boot.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/redis-server ]; then
  /etc/init.d/redis-server stop >/dev/null 2>&1 || true
  update-rc.d redis-server disable >/dev/null 2>&1 || true
fi
if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  # Still answering: only shut it down if it is the packaged service (pid file of the Debian package).
  if [ -f /run/redis/redis-server.pid ]; then
    kill "$(cat /run/redis/redis-server.pid)" >/dev/null 2>&1 || true
  else
    say "warning: something else is listening on 127.0.0.1:6379; left alone (the tests do not use it)"
  fi
fi

command -v redis-server >/dev/null 2>&1 || die "redis-server is still not on PATH after installing the Debian package"
command -v redis-cli >/dev/null 2>&1 || die "redis-cli is still not on PATH after installing the Debian package"
version=$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')
say "installed redis-server ${version:-(unknown version)}"
