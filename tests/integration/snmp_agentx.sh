#!/usr/bin/env bash
# secagentd as an AgentX sub-agent of a real snmpd (its own configuration
# and persistent directory, on loopback): the MIB through the master by
# name, SETs and their errors through the AgentX phases, notifications to
# the master's sinks and to secagentd's own targets, and the master's
# restart (re-registration within 10 s) and late start.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../snmplib.sh"

[ -x "$DAEMON" ] || { skip "AgentX: secagentd is not built"; finish; }
command -v snmpd >/dev/null || { skip "AgentX: snmpd is not installed"; finish; }

D="$T/state"
PORT=$(free_port) AX=$(free_port) TP1=$(free_port) TP2=$(free_port)
AGENT="udp:127.0.0.1:$PORT"
start_trapd "$T/trapd1" "$TP1" || diag "snmptrapd 1 did not say it started"
start_trapd "$T/trapd2" "$TP2" || diag "snmptrapd 2 did not say it started"
write_conf "$T/a.conf" "agentx tcp:127.0.0.1:$AX" "netconf-unix none" \
	"trap-target udp:127.0.0.1:$TP2 trap v2c public"
mkca root
mkca ca2
mkleaf leaf root
ctl() { "$CTL" -d "$D" "$@" 2>&1; }
where() { ctl show "$1" | sed -n 's/^list: *//p' | grep . || echo none; }
s_rw() { snmpset "${V3RW[@]}" "$AGENT" "$@" 2>&1; }

# the sub-agent first: it connects once the master is there.  An snmp
# listener named beside agentx is not opened.
OWN=$(free_port)
start_daemon "$D" "$T/a.conf" --snmp "udp:127.0.0.1:$OWN" ||
	{ not_ok "secagentd starts as a sub-agent"; finish; }
ok "secagentd starts as a sub-agent without a master"
udp=$(ss -Hulnp 2>/dev/null | grep "pid=$DPID," | grep -c ":$OWN ")
expect "a sub-agent has no SNMP listener of its own" 0 "$udp"
start_snmpd "$T/snmpd" "$PORT" "$AX" "$TP1" || diag "snmpd did not answer"
t0=$(date +%s%N)
if wait_snmp $ROOT.1.1.1.0 10; then
	ok "it registers with a master started later ($((($(date +%s%N) - t0) / 1000000)) ms)"
else
	not_ok "no registration with the master: $(tail -3 "$D/daemon.log" | tr '\n' ' ')"
fi

# ---- reads through the master ----
if need_mibs "the tables through the master by name"; then
	out=$(snmptable "${MIBOPT[@]}" "${V2[@]}" -Cf '|' -CB "$AGENT" secCaCertTable 2>&1 | grep -c "CN=")
	expect "snmptable secCaCertTable through the master by name" \
		"$(ctl list ca | grep -c '^ca ')" "$out"
fi
a=$(snmpwalk "${V2[@]}" -On "$AGENT" "$CA_E.9" 2>&1)
b=$(snmpbulkwalk "${V2[@]}" -On "$AGENT" "$CA_E.9" 2>&1)
[ "$a" = "$b" ] && [ -n "$a" ] && ok "GETNEXT and GETBULK through AgentX agree" ||
	not_ok "GETNEXT and GETBULK through AgentX differ"
out=$(snmpwalk "${V2[@]}" -On "$AGENT" $ROOT 2>&1 | grep -c "^$ROOT")
rows=$(ctl list | grep -c '^\(ca\|server\|invalid\) ')
# the scalars, and at least nine columns a row
[ "$rows" -gt 0 ] && [ "$out" -gt $((10 + 9 * rows)) ] &&
	ok "a walk of the whole MIB through the master ($out varbinds, $rows rows)" ||
	not_ok "walk through the master: $out varbinds for $rows rows"

# ---- writes through the AgentX phases ----
expect_error "SNMPv2c cannot write through the master" noAccess \
	snmpset "${V2[@]}" "$AGENT" $ROOT.1.1.1.0 i 1
expect_error "a read-only user cannot write through the master" noAccess \
	snmpset "${V3RO[@]}" "$AGENT" $ROOT.1.1.1.0 i 1
s_rw $ROOT.1.2.1.0 s "agentx-user" >/dev/null
expect "a SET through the master reaches the store" agentx-user "$(ctl get http-username)"
expect_error "wrongLength through AgentX" wrongLength \
	s_rw $ROOT.1.2.1.0 s "$(printf 'u%.0s' $(seq 75))"
expect_error "inconsistentValue through AgentX" inconsistentValue \
	s_rw "$SRV_E.18$(fp_index "$(fp "$T/ca2.pem")")" i 4 \
	"$SRV_E.2$(fp_index "$(fp "$T/ca2.pem")")" x "$(der_hex "$T/ca2.pem")"
expect_error "commitFailed through AgentX" commitFailed \
	s_rw $ROOT.1.2.1.0 s "undone" $ROOT.1.3.8.0 i 2
expect "and UNDO, a separate AgentX PDU, restored the value" agentx-user "$(ctl get http-username)"
c2=$(fp "$T/ca2.pem")
s_rw "$CA_E.18$(fp_index "$c2")" i 4 "$CA_E.2$(fp_index "$c2")" x "$(der_hex "$T/ca2.pem")" >/dev/null
expect "createAndGo through the master" ca "$(where "$c2")"
s_rw "$CA_E.18$(fp_index "$c2")" i 6 >/dev/null
expect "destroy through the master" none "$(where "$c2")"

# ---- notifications: the master's sink and our own target ----
mkdated brief root "$(utc_in -60)" "$(utc_in 3)"	# gone in 3 s
s_rw $ROOT.1.1.5.0 s "$(cat "$T/root.pem" "$T/brief.pem")" >/dev/null
expect "a certificate valid for 3 more seconds is imported" server "$(where "$(fp "$T/brief.pem")")"
sleep 4
s_rw $ROOT.1.1.8.0 i 2 >/dev/null
wait_trap "$T/trapd1/traps.log" "OID: $ROOT.0.1" 10 &&
	ok "secCertificateInvalidated reaches the master's trap sink (AgentX Notify)" ||
	not_ok "no notification through the master: $(tail -2 "$T/trapd1/traps.log" | tr '\n' ' ')"
wait_trap "$T/trapd2/traps.log" "OID: $ROOT.0.1" 10 &&
	ok "and secagentd's own trap target in AgentX mode" ||
	not_ok "no notification at secagentd's own target"

# ---- the master restarts ----
kill "$SNMPD_PID"
wait "$SNMPD_PID" 2>/dev/null
start_snmpd "$T/snmpd" "$PORT" "$AX" "$TP1" || diag "snmpd did not come back"
t0=$(date +%s%N)
if wait_snmp $ROOT.1.1.1.0 12; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -le 10000 ] && ok "re-registered within 10 s of the master's restart ($ms ms)" ||
		not_ok "re-registration took $ms ms"
else
	not_ok "not re-registered after the master's restart: $(tail -3 "$D/daemon.log" | tr '\n' ' ')"
fi
expect "the objects answer again" agentx-user \
	"$(snmpget "${V2[@]}" -Oqv "$AGENT" $ROOT.1.2.1.0 2>&1 | tr -d '"')"
alive "after the master's restart"
stop_daemon
finish
