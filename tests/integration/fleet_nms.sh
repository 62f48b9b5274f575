#!/usr/bin/env bash
# The NMS examples of docs/fleet.md ("Monitoring (NMS)") against a running demo
# agent: days to expiry and the Invalid list with snmptable and the MIB by
# name, the notifications received by snmptrapd with
# contrib/nms/snmptrapd.conf (a v2c trap and an SNMPv3 inform), and every
# OID of the Zabbix template contrib/nms/zabbix-secagent.yaml answered by
# the agent (discovery rules, their item prototypes, scalars).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../snmplib.sh"

[ -x "$DAEMON" ] || { skip "NMS examples: secagentd is not built"; finish; }
need_mibs "NMS examples by name" || finish
M=(-M "+$IETF:$SRC/mibs" -m SECAGENT-SECURITY-MIB)
MT=(-M "+$IETF:$SRC/mibs" -m SECAGENT-SECURITY-MIB:SNMPv2-MIB)	# snmptrapd

D="$T/demo"
# four distinct ports: each socket held until all are chosen
read -r PORT SSH TPORT SPORT < <(/usr/bin/python3 -c 'import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
AGENT="udp:127.0.0.1:$PORT"
mkdir -p "$D"
bg "$DAEMON" -f --demo -d "$D" --factory-bundle "$FACTORY" --ssh "127.0.0.1:$SSH" --tls none --snmp "$AGENT" \
	>"$D/daemon.log" 2>&1
DPID=$!
wait_snmp "$ROOT.1.1.1.0" 15 || { not_ok "the demo agent answers SNMP: $(tail -3 "$D/daemon.log")"; finish; }
ctl() { "$CTL" -d "$D" "$@"; }

# a CA that expires in 10 days, a pinned Server certificate, and a
# stranger's certificate in Invalid
mkca soon-ca "" 10
mkca other
mkleaf stranger other
ctl import "$T/soon-ca.pem" >/dev/null
mkleaf pinned other	# an end-entity certificate of an unknown issuer: Server
ctl import "$T/pinned.pem" >/dev/null
s_server "$SPORT" "$T/stranger.pem" "$T/stranger.key" || diag "s_server did not start"
ctl check-server "127.0.0.1:$SPORT" >/dev/null

# ---- docs/fleet.md: snmptable, columns picked with cut ----
out=$(snmptable -v2c -c public "${M[@]}" -Cb -Cf '|' "$AGENT" secCaCertTable 2>&1 | cut -d'|' -f4,8,9)
if grep -q '^Subject|NotAfter|DaysToExpiry$' <<<"$out" &&
   grep -Eq '^CN=soon-ca,O=secagent tests\|[0-9-]+,[0-9:.]+,\+0:0\|(9|10) days$' <<<"$out"; then
	ok "snmptable secCaCertTable | cut: subject, not-after, days to expiry"
else
	not_ok "snmptable secCaCertTable: $out"
fi
out=$(snmptable -v2c -c public "${M[@]}" -Cb -Cf '|' "$AGENT" secInvalidCertTable 2>&1 | cut -d'|' -f4,17,18,21)
if grep -q '^Subject|Reason|Peer|SeenCount$' <<<"$out" &&
   grep -q "^CN=stranger,O=secagent tests|unknownIssuer|127.0.0.1:$SPORT|1$" <<<"$out"; then
	ok "snmptable secInvalidCertTable | cut: subject, reason, peer, times seen"
else
	not_ok "snmptable secInvalidCertTable: $out"
fi
# ---- snmptrapd with contrib/nms/snmptrapd.conf ----
mkdir -p "$T/trapd/persist"
{ cat "$SRC/contrib/nms/snmptrapd.conf"; echo "[snmp] persistentDir $T/trapd/persist"; } \
	>"$T/trapd/snmptrapd.conf"
bg snmptrapd -f -C -c "$T/trapd/snmptrapd.conf" -Ob -n "${MT[@]}" \
	-Lf "$T/trapd/traps.log" "udp:127.0.0.1:$TPORT"
for ((i = 0; i < 50; i++)); do
	grep -q "NET-SNMP version" "$T/trapd/traps.log" 2>/dev/null && break
	sleep 0.1
done
# the demo's configuration, and SIGHUP, as a user of ./run would do it
printf '%s\n' "trap-target udp:127.0.0.1:$TPORT trap v2c public" \
	"trap-target udp:127.0.0.1:$TPORT inform v3 admin" >>"$D/secagentd.conf"
kill -HUP "$DPID"
sleep 1
wait_snmp "$ROOT.1.1.1.0" 10 || diag "no SNMP answer after SIGHUP"
mkleaf stranger2 other
sport2=$(free_port)
s_server "$sport2" "$T/stranger2.pem" "$T/stranger2.key" || diag "s_server 2 did not start"
ctl check-server "127.0.0.1:$sport2" >/dev/null
pat="snmpTrapOID.0 = OID: SECAGENT-SECURITY-MIB::secInvalidCertificateReceived.*secInvalidCertReason\.[0-9.]* = INTEGER: unknownIssuer(3).*secInvalidCertPeer\.[0-9.]* = STRING: 127.0.0.1:$sport2"
for ((i = 0; i < 50; i++)); do
	[ "$(grep -c "$pat" "$T/trapd/traps.log")" -ge 2 ] && break
	sleep 0.2
done
n=$(grep -c "$pat" "$T/trapd/traps.log")
expect "snmptrapd with contrib/nms/snmptrapd.conf logs secInvalidCertificateReceived by name, as a v2c trap and a v3 inform" \
	2 "$n"
[ "$n" = 0 ] && diag "traps: $(tail -c 600 "$T/trapd/traps.log")"
idx=$(fp_index "$(fp "$T/stranger2.pem")")
grep -q "secInvalidCertSubject$idx = STRING: \"\{0,1\}CN=stranger2" "$T/trapd/traps.log" &&
	ok "the notification's row index is the fingerprint, as numbers (-Ob)" ||
	not_ok "the row index in the trap: $(grep -o 'secInvalidCertSubject[^=]*' "$T/trapd/traps.log" | head -1)"

# ---- the Zabbix template: its OIDs, asked as the Zabbix server asks them ----
/usr/bin/python3 - "$SRC/contrib/nms/zabbix-secagent.yaml" >"$T/zbx" 2>&1 <<'EOF'
import re, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))["zabbix_export"]
uuids = []
def walk(x):
    if isinstance(x, dict):
        if "uuid" in x: uuids.append(x["uuid"])
        for v in x.values(): walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(d)
v4 = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")
bad = [u for u in uuids if not v4.match(u)]
print("uuids %d %d %d" % (len(uuids), len(set(uuids)), len(bad)))
t = d["templates"][0]
for i in t.get("items", []):
    if i["type"] == "SNMP_AGENT":
        print("gets" if i.get("value_type") == "CHAR" else "get", i["snmp_oid"])
for r in t["discovery_rules"]:
    cols = re.findall(r",([0-9.]+)", r["snmp_oid"])
    for c in cols:
        print("walk", c)
    for p in r["item_prototypes"]:
        print("proto", cols[0], p["snmp_oid"])
EOF
read -r _ n_uuid n_unique n_bad < <(grep '^uuids' "$T/zbx")
[ "${n_uuid:-0}" -gt 10 ] && [ "$n_uuid" = "$n_unique" ] && [ "$n_bad" = 0 ] &&
	ok "zabbix-secagent.yaml: YAML, $n_uuid distinct UUIDv4 (what Zabbix 6.0 imports)" ||
	not_ok "zabbix-secagent.yaml: $(head -3 "$T/zbx")"
zbad=()
while read -r kind a b; do
	case "$kind" in
	get)
		snmpget "${V2[@]}" -On "$AGENT" ".$a" 2>&1 | grep -q "^.$a = INTEGER" || zbad+=("get $a") ;;
	gets)
		snmpget "${V2[@]}" -On "$AGENT" ".$a" 2>&1 | grep -Eq "^.$a = (STRING|\"\")" || zbad+=("get $a") ;;
	walk)
		snmpwalk "${V2[@]}" -On "$AGENT" ".$a" 2>&1 |
			grep -Eq "^\.$a(\.[0-9]+){32} = " || zbad+=("walk $a") ;;
	proto)	# the first row of the discovery, its index put into the prototype
		row=$(snmpwalk "${V2[@]}" -On "$AGENT" ".$a" 2>/dev/null | head -1 | cut -d' ' -f1)
		oid=${b//\{#SNMPINDEX\}/${row#.$a.}}
		snmpget "${V2[@]}" -On "$AGENT" ".$oid" 2>&1 | grep -q "^\.$oid = INTEGER" ||
			zbad+=("prototype $b") ;;
	esac
done < <(grep -E '^(gets?|walk|proto) ' "$T/zbx")
n=$(grep -cE '^(gets?|walk|proto) ' "$T/zbx")
[ "$n" -ge 9 ] && [ ${#zbad[@]} -eq 0 ] &&
	ok "every OID of the Zabbix template answers: $n discovery walks, prototypes and scalars" ||
	not_ok "Zabbix template OIDs: ${zbad[*]:-only $n}"

kill -0 "$DPID" 2>/dev/null && ok "the demo agent still runs" ||
	not_ok "the demo agent died: $(tail -3 "$D/daemon.log")"
finish
