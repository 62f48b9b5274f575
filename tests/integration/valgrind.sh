#!/usr/bin/env bash
# secagentd under valgrind (memcheck): a start, a round of work on every
# interface (NETCONF through secagentctl, SNMP reads and SETs, the TLS
# check, a provisioning fetch, the expiry sweep), SIGHUP and SIGTERM; any
# invalid read or write, use of uninitialised memory or bad free is a
# failure (valgrind's exit status).  Leaks are LeakSanitizer's job in the
# ASan pass.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../snmplib.sh"

[ -x "$DAEMON" ] || { skip "valgrind: secagentd is not built"; finish; }
command -v valgrind >/dev/null || { skip "valgrind: not installed"; finish; }
case "$DAEMON" in *asan* | *tsan*) skip "valgrind: not on a sanitizer build"; finish ;; esac

D="$T/state"
PORT=$(free_port)
AGENT="udp:127.0.0.1:$PORT"
write_conf "$T/a.conf" "snmp $AGENT"
mkca root
mkleaf leaf root
mkca other
mkleaf stranger other
ctl() { "$CTL" -d "$D" "$@" 2>&1; }

# start_daemon, with valgrind in front and more patience
mkdir -p "$D"
: >"$D/daemon.log"
bg valgrind --quiet --error-exitcode=99 --leak-check=no --num-callers=30 \
	--log-file="$T/valgrind.log" "$DAEMON" -f -d "$D" -c "$T/a.conf" --factory-bundle "$FACTORY" \
	>>"$D/daemon.log" 2>&1
DPID=$!
for ((i = 0; i < 600; i++)); do
	grep -q "secagentd started" "$D/daemon.log" && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "secagentd started" "$D/daemon.log"; then
	not_ok "secagentd starts under valgrind: $(tail -3 "$D/daemon.log" | tr '\n' ' ')"
	finish
fi
ok "secagentd starts under valgrind"
for ((i = 0; i < 100; i++)); do [ -S "$D/secagentd.sock" ] && break; sleep 0.1; done

# NETCONF, through secagentctl
cat "$T/root.pem" "$T/leaf.pem" >"$T/bundle.pem"
out=$(ctl import "$T/bundle.pem" | awk '{print $2}' | sort | tr '\n' ' ')
expect "import over NETCONF" "ca server " "$out"
ctl set http-username "vg-user" >/dev/null
expect "set and get over NETCONF" vg-user "$(ctl get http-username)"
ctl list --json >/dev/null && ok "list --json over NETCONF" || not_ok "list"
leaf=$(fp "$T/leaf.pem")
ctl show "$leaf" | grep -q '^subject:' && ok "show over NETCONF" || not_ok "show"
sport=$(free_port)
if s_server "$sport" "$T/stranger.pem" "$T/stranger.key"; then
	expect "check-server refuses an unknown issuer" "refused: unknown-issuer" \
		"$(ctl check-server "127.0.0.1:$sport")"
	st=$(fp "$T/stranger.pem")
	ctl accept "$st" >/dev/null
	expect "accept over NETCONF" server "$(ctl show "$st" | sed -n 's/^list: *//p')"
else
	skip "check-server: openssl s_server did not start"
fi
ctl sweep >/dev/null && ok "the expiry sweep" || not_ok "sweep"

# SNMP
n=$(snmpbulkwalk "${V2[@]}" -t 10 "$AGENT" $ROOT 2>&1 | grep -c "=")
[ "$n" -gt 20 ] && ok "an SNMP walk of the MIB ($n objects)" || not_ok "SNMP walk: $n"
snmpset "${V3RW[@]}" -t 10 "$AGENT" $ROOT.1.1.1.0 i 1 >/dev/null 2>&1
expect "an SNMPv3 SET" true "$(ctl get accept-all-certificates)"
snmpset "${V3RW[@]}" -t 10 "$AGENT" $ROOT.1.1.6.0 x "$leaf" >/dev/null 2>&1
expect "secRemoveCertificate over SNMP" "" "$(ctl show "$leaf" 2>/dev/null | sed -n 's/^list: *//p')"

# provisioning over HTTP
pport=$(free_port)
mkdir -p "$T/www"
printf '%s\n' '<provisioning version="1.1" productID="e2"><nvm>' \
	'<param name="Security.global.HTTPAuthUsername" value="provisioned"/>' \
	'</nvm></provisioning>' >"$T/www/p.xml"
bg /usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$pport" >/dev/null 2>&1
if wait_port "$pport"; then
	ctl set provisioning-url "http://127.0.0.1:$pport/p.xml" >/dev/null
	ctl provision >/dev/null
	expect "provisioning fetches and applies a file" provisioned "$(ctl get http-username)"
else
	skip "provisioning: python3 -m http.server did not start"
fi

kill -HUP "$DPID"
sleep 1
expect "after SIGHUP it answers" provisioned "$(ctl get http-username)"
kill "$DPID"
for ((i = 0; i < 600; i++)); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
wait "$DPID"
rc=$?
if [ "$rc" = 0 ]; then
	ok "valgrind found no memory error; exit 0 on SIGTERM"
else
	not_ok "valgrind: exit $rc: $(grep -m1 -A12 'Invalid\|uninitialised\|free' "$T/valgrind.log" | tr '\n' ' ' | head -c 1500)"
fi
finish
