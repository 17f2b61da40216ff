#!/usr/bin/env bash
# The test suite drives real system programs: Debian's chromium (the browser-client test) and
# nginx (the shared-cache test). Install whichever is missing with apt, so `npm test` works on
# a fresh machine of this project's kind; elsewhere, say exactly what to install.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${need[*]}. Install them (Debian: apt-get install ${need[*]})," >&2
  echo "or skip those tests with BFAST_SKIP_BROWSER=1 / BFAST_SKIP_NGINX=1." >&2
  [ "${BFAST_SKIP_BROWSER:-}" = 1 ] && [ "${BFAST_SKIP_NGINX:-}" = 1 ] && exit 0
  exit 1
fi

echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting nginx as a service on port 80: the test starts its own.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
