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

# mkca NAME [ISSUER]: NAME.pem / NAME.key, a CA (self-signed without ISSUER).
mkca() {
	local name=$1 issuer=${2:-}
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/$name.key" -subj "/O=secagent tests/CN=$name" \
		-out "$T/$name.csr" 2>/dev/null
	if [ -z "$issuer" ]; then
		openssl x509 -req -in "$T/$name.csr" -signkey "$T/$name.key" -days 365 \
			-extfile <(printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n') \
			-out "$T/$name.pem" 2>/dev/null
	else
		openssl x509 -req -in "$T/$name.csr" -CA "$T/$issuer.pem" -CAkey "$T/$issuer.key" \
			-CAcreateserial -days 365 \
			-extfile <(printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n') \
			-out "$T/$name.pem" 2>/dev/null
	fi
}

# mkleaf NAME ISSUER [DAYS]: a server certificate for localhost and 127.0.0.1.
mkleaf() {
	local name=$1 issuer=$2 days=${3:-365}
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/$name.key" -subj "/O=secagent tests/CN=$name" \
		-out "$T/$name.csr" 2>/dev/null
	openssl x509 -req -in "$T/$name.csr" -CA "$T/$issuer.pem" -CAkey "$T/$issuer.key" \
		-CAcreateserial -days "$days" \
		-extfile <(printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n') \
		-out "$T/$name.pem" 2>/dev/null
}

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
