# tests/lib.sh - sourced by the shell tests of tests/integration.
#
# The test protocol (tests/run): one line per case, "ok - NAME",
# "not ok - NAME: why" or "skip - NAME: why".  Everything a test starts is
# stopped and its temporary directory removed when it exits.
set -u
SRC=${SECAGENT_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${SECAGENT_BUILDDIR:-$SRC/build}
CTL="$BUILD/secagentctl"
T=$(mktemp -d "${TMPDIR:-/tmp}/secagent-it.XXXXXX")
_pids=()
_failed=0

_cleanup() {
	local p
	for p in "${_pids[@]+"${_pids[@]}"}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap _cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; _failed=1; }
skip() { echo "skip - $*"; }
diag() { echo "# $*"; }
finish() { exit "$_failed"; }

# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name=$1; shift
	if "$@" >"$T/.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name: $(tail -3 "$T/.out" | tr '\n' ' ')"
	fi
}

# expect NAME EXPECTED ACTUAL
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}

# Starts a background command and remembers it for cleanup; pid in $!.
bg() {
	"$@" &
	_pids+=($!)
}

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: until 127.0.0.1:PORT accepts, bounded.
wait_port() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ---- a test PKI made with the openssl tool ----

# Made by tests/certlib.py, valid from an hour ago on the tests' clock
# (test_now below); subject "O=secagent tests, CN=NAME"; EC P-256.
# mkca NAME [ISSUER] [DAYS]: NAME.pem / NAME.key, a CA (self-signed
# without ISSUER), for DAYS days (365).
mkca() {
	local issuer=()
	[ -n "${2:-}" ] && issuer=(--issuer "$2")
	/usr/bin/python3 "$SRC/tests/certlib.py" "$T" "$1" --ca "${issuer[@]+"${issuer[@]}"}" \
		--days "${3:-365}"
}

# mkleaf NAME ISSUER [DAYS]: a server certificate for localhost and 127.0.0.1.
mkleaf() {
	/usr/bin/python3 "$SRC/tests/certlib.py" "$T" "$1" --issuer "$2" --days "${3:-365}"
}

# The factory bundle every test agent starts with (--factory-bundle), made
# here: no test depends on Debian's ca-certificates.  ctl.sh alone looks
# at the real default set.
mkca factory-root
FACTORY="$T/factory-root.pem"

# test_now: seconds since the epoch on the tests' clock, the real time
# moved by $SECAGENT_TEST_CLOCK_OFFSET (tests/run --clock-days), as the
# store of secagentd and secagentctl sees it (agent/test_clock.h)
test_now() { echo $(($(date +%s) + ${SECAGENT_TEST_CLOCK_OFFSET:-0})); }

# fp FILE.pem: the SHA-256 fingerprint as 64 lowercase hex digits.
fp() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
		tr 'A-F' 'a-f'
}

# s_server PORT CERT KEY [CHAIN]: a TLS server on 127.0.0.1, until the end.
s_server() {
	local port=$1 cert=$2 key=$3 chain=${4:-}
	local args=(-accept "127.0.0.1:$port" -cert "$cert" -key "$key" -quiet -www)
	[ -n "$chain" ] && args+=(-cert_chain "$chain")
	bg openssl s_server "${args[@]}" >/dev/null 2>&1
	wait_port "$port"
}
