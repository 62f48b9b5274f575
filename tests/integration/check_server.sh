#!/usr/bin/env bash
# check-server against openssl s_server on 127.0.0.1: the TLS policy on a
# real connection (trusted chain, unknown CA, accept, reject, accept-all),
# and the CA list as an OpenSSL -CApath directory.
. "$(dirname "$0")/../lib.sh"

mkca root
mkca sub root
mkleaf good sub
mkca rogue
mkleaf evil rogue
mkleaf other rogue
cat "$T/root.pem" >"$T/factory.pem"
D="$T/state"
ctl() { "$CTL" -d "$D" --factory-bundle "$T/factory.pem" "$@"; }

p1=$(free_port); s_server "$p1" "$T/good.pem" "$T/good.key" "$T/sub.pem"
p2=$(free_port); s_server "$p2" "$T/evil.pem" "$T/evil.key"
p3=$(free_port); s_server "$p3" "$T/other.pem" "$T/other.key"

out=$(ctl check-server "127.0.0.1:$p1"); rc=$?
expect "a chain to a factory CA is accepted" "accepted/0" "$out/$rc"

out=$(ctl check-server "127.0.0.1:$p2"); rc=$?
expect "an unknown CA is refused" "refused: unknown-issuer/1" "$out/$rc"
evil=$(fp "$T/evil.pem")
line=$(ctl list invalid --json)
if /usr/bin/python3 -c '
import json, sys
entries = json.loads(sys.argv[1])
e = [x for x in entries if x["fingerprint"] == sys.argv[2]]
sys.exit(0 if e and e[0]["peer"] == sys.argv[3] and e[0]["reason"] == "unknown-issuer" else 1)
' "$line" "$evil" "127.0.0.1:$p2"; then
	ok "the refused certificate is in Invalid with the peer and the reason"
else
	not_ok "the refused certificate is in Invalid with the peer: $line"
fi

check "accept the Invalid certificate" ctl accept "${evil:0:12}"
out=$(ctl check-server "127.0.0.1:$p2"); rc=$?
expect "after accept the server is accepted at once" "accepted/0" "$out/$rc"

check "remove it again" ctl remove "$evil"
ctl check-server "127.0.0.1:$p2" >/dev/null
check "reject it" ctl reject "$evil"
out=$(ctl check-server "127.0.0.1:$p2"); rc=$?
expect "a rejected certificate is refused at once" "refused: rejected/1" "$out/$rc"

check "turn accept-all on" ctl set accept-all-certificates true
out=$(ctl check-server "127.0.0.1:$p3"); rc=$?
expect "accept-all accepts an unknown certificate" "accepted/0" "$out/$rc"
out=$(ctl check-server "127.0.0.1:$p2"); rc=$?
expect "accept-all still refuses a rejected one" "refused: rejected/1" "$out/$rc"
ctl set accept-all-certificates false

out=$(ctl --json check-server "127.0.0.1:$p1")
case "$out" in
*'"result": "accepted"'*'"how": "trusted-chain"'*) ok "check-server --json says how" ;;
*) not_ok "check-server --json: $out" ;;
esac

# the CA list as -CApath: root (factory) and sub (import) verify the leaf
check "import the intermediate" ctl import "$T/sub.pem"
check "openssl verify -CApath uses the CA list" \
	openssl verify -CApath "$D/capath" "$T/good.pem"
ctl remove "$(fp "$T/sub.pem")"
if openssl verify -CApath "$D/capath" "$T/good.pem" >/dev/null 2>&1; then
	not_ok "a removed CA leaves the -CApath directory"
else
	ok "a removed CA leaves the -CApath directory"
fi

out=$(ctl check-server "127.0.0.1:1" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] &&
	ok "no server: exit 1 and one line on stderr" ||
	not_ok "no server: $rc $out"
finish
