#!/usr/bin/env bash
# The demo of ./run: secagentctl on a demo state directory (var/demo).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ctl="$top/build/secagentctl"
dir="$top/var/demo"
mkdir -p "$top/var"
say() { printf '\n$ %s\n' "$*"; "$@" || true; }
say "$ctl" -d "$dir" list
say "$ctl" -d "$dir" get accept-all-certificates
say "$ctl" -d "$dir" set http-username 7C2F80C6E5C2
say "$ctl" -d "$dir" get http-username
say "$ctl" -d "$dir" get http-password
echo
echo "State directory: $dir  (try: $ctl -d $dir show <fingerprint prefix>)"
