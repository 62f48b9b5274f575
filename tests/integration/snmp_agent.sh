#!/usr/bin/env bash
# The embedded SNMP agent of secagentd, read with net-snmp's tools: every
# object of the MIB, the tables by name, who may read and write, the
# engine ID and boots across restarts (also after kill -9), users from the
# configuration only, no SMUX listener, no log line per packet.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../snmplib.sh"

[ -x "$DAEMON" ] || { skip "SNMP agent: secagentd is not built"; finish; }

D="$T/state"
PORT=$(free_port)
AGENT="udp:127.0.0.1:$PORT"
write_conf "$T/a.conf" "snmp $AGENT" "netconf-unix none"
mkca root
mkleaf leaf root
mkdated old root 20200101000000Z 20210101000000Z
if ! start_daemon "$D" "$T/a.conf"; then
	not_ok "secagentd starts with the embedded agent on $AGENT"
	finish
fi
ok "secagentd starts with the embedded agent on $AGENT"

# rows in every table: a CA, a server certificate, an expired one (Invalid)
"$CTL" -d "$D" list >/dev/null 2>&1
for f in root leaf old; do
	sset "${V3RW[@]}" "$AGENT" $ROOT.1.1.5.0 x "$(der_hex "$T/$f.pem")" \
		>/dev/null 2>&1 || diag "import of $f over SNMP failed"
done

# ---- listeners ----
if ss -Hltnp 2>/dev/null | grep -q "pid=$DPID,"; then
	not_ok "no TCP listener (no SMUX on 199): $(ss -Hltnp | grep "pid=$DPID," | head -2)"
else
	ok "no TCP listener (no SMUX on 199)"
fi
udp=$(ss -Hulnp 2>/dev/null | grep "pid=$DPID," | awk '{print $4}' | sort -u | tr '\n' ' ')
expect "one UDP listener, the configured one" "127.0.0.1:$PORT " "$udp"

# ---- every object read ----
if need_mibs "every readable object of the MIB answers a walk by name"; then
	objs=$(snmptranslate "${MIBOPT[@]}" -Tp SECAGENT-SECURITY-MIB::secagentSecurityMIB 2>/dev/null |
		sed -n 's/.*+-- \(-R--\|-RW-\|CR--\|CRW-\) *[A-Za-z0-9]* *\([a-zA-Z0-9]*\)(.*/\2/p')
	walk=$(swalk "${V3RW[@]}" -Oqs "$AGENT" secagentSecurityMIB 2>&1)
	missing=""
	for o in $objs; do
		grep -q "^$o\." <<<"$walk" || missing+=" $o"
	done
	n=$(wc -w <<<"$objs")
	if [ -z "$missing" ] && [ "$n" -gt 60 ]; then
		ok "every readable object of the MIB answers a walk by name ($n objects)"
	else
		not_ok "objects without a value in the walk ($n in the MIB):$missing"
	fi
	expect "the walk ends without an error" "" "$(grep 'Error in packet\|Timeout\|No Such' <<<"$walk" | head -1)"
	for t in secCaCertTable secServerCertTable secInvalidCertTable; do
		out=$(snmptable "${MIBOPT[@]}" "${V2[@]}" -Cf '|' -CB "$AGENT" "$t" 2>&1)
		case "$t:$out" in
		secCaCertTable:*"CN=root"*|secServerCertTable:*"CN=leaf"*|secInvalidCertTable:*"CN=old"*)
			ok "snmptable $t by name shows its rows" ;;
		*) not_ok "snmptable $t: $(head -3 <<<"$out" | tr '\n' ' ')" ;;
		esac
	done
	out=$(sget "${V2[@]}" -Oqv "$AGENT" "secInvalidCertReason$(fp_index "$(fp "$T/old.pem")")" \
		"secServerCertStatus$(fp_index "$(fp "$T/leaf.pem")")" 2>&1 | tr '\n' ' ')
	expect "enumerations read by name: reason expired, status valid" "expired valid " "$out"
fi

# ---- the index: 32 sub-identifiers, the fingerprint ----
g=$(fp "$T/leaf.pem")
oid=$(snmpgetnext "${V2[@]}" -On -Oq "$AGENT" "$SRV_E.5" 2>&1 | awk '{print $1}')
want="$SRV_E.5$(fp_index "$g")"
first=$(snmpwalk "${V2[@]}" -On -Oq "$AGENT" "$SRV_E.5" 2>&1 | awk '{print $1}' | grep -c .)
[ "$first" = 1 ] && expect "a row's index is the fingerprint, 32 sub-identifiers" "$want" "$oid" ||
	not_ok "the Server table should hold one row, it holds $first"
out=$(snmpget "${V2[@]}" -Oqv "$AGENT" "$SRV_E.2$(fp_index "$g")" 2>&1 | tr -d ' \n"' | tr 'A-F' 'a-f')
expect "secServerCertData is the DER" "$(der_hex "$T/leaf.pem")" "$out"

# ---- GETNEXT and GETBULK agree, and agree with the store ----
a=$(snmpwalk "${V2[@]}" -On "$AGENT" "$CA_E.5" 2>&1)
b=$(snmpbulkwalk "${V2[@]}" -Cr25 -On "$AGENT" "$CA_E.5" 2>&1)
n=$(grep -c "^$CA_E.5\." <<<"$a")
[ "$a" = "$b" ] && [ "$n" -gt 0 ] && ok "snmpwalk and snmpbulkwalk return the same $n CA rows" ||
	not_ok "GETNEXT and GETBULK differ ($n rows by GETNEXT)"
expect "as many CA rows as secagentctl lists" "$("$CTL" -d "$D" list ca 2>/dev/null | grep -c "^ca ")" "$n"

# ---- the password is write-only ----
sset "${V3RW[@]}" "$AGENT" secHttpAuthPassword.0 s "s3cret" >/dev/null 2>&1
out=$(snmpget "${V3RW[@]}" -Oqv "$AGENT" $ROOT.1.2.2.0 2>&1)
expect "the password reads as a zero-length string once set" '""' "$out"

# ---- who may write ----
old=$(snmpget "${V2[@]}" -Oqv "$AGENT" $ROOT.1.1.1.0 2>&1)
expect_error "SNMPv2c cannot write (noAccess)" noAccess \
	snmpset "${V2[@]}" "$AGENT" $ROOT.1.1.1.0 i 1
expect_error "SNMPv1 cannot write" noSuchName \
	snmpset -v1 -c public -t 2 -r 1 "$AGENT" $ROOT.1.1.1.0 i 1
expect "and the value did not change" "$old" "$(snmpget "${V2[@]}" -Oqv "$AGENT" $ROOT.1.1.1.0 2>&1)"
expect "a read-only SNMPv3 user reads" "$old" "$(snmpget "${V3RO[@]}" -Oqv "$AGENT" $ROOT.1.1.1.0 2>&1)"
expect_error "a read-only SNMPv3 user cannot write (noAccess)" noAccess \
	snmpset "${V3RO[@]}" "$AGENT" $ROOT.1.1.1.0 i 1
out=$(snmpset "${V3RW[@]}" "$AGENT" $ROOT.1.1.1.0 i 1 2>&1)
expect "a read-write SNMPv3 user (SHA-256/AES) writes" "true" "$("$CTL" -d "$D" get accept-all-certificates 2>&1)"
out=$(snmpget -v2c -c wrong -t 1 -r 0 "$AGENT" $ROOT.1.1.1.0 2>&1)
case "$out" in *Timeout*) ok "an unknown community gets no answer" ;;
*) not_ok "unknown community: $out" ;; esac
out=$(snmpget -v3 -u admin -l authPriv -a SHA-256 -A wrong-passphrase -x AES -X "$DEMO_PW" \
	-t 1 -r 0 "$AGENT" $ROOT.1.1.1.0 2>&1)
case "$out" in *uthentication*|*Timeout*) ok "a wrong SNMPv3 passphrase is refused" ;;
*) not_ok "wrong passphrase: $out" ;; esac
expect_error "a privacy user cannot drop to authNoPriv" authorizationError \
	snmpget -v3 -u viewer -l authNoPriv -a SHA-512 -A viewer-secret -t 2 -r 0 \
	"$AGENT" $ROOT.1.1.1.0

# ---- no log line per packet ----
before=$(wc -l <"$D/daemon.log")
for i in 1 2 3 4 5; do snmpget "${V2[@]}" "$AGENT" $ROOT.1.1.1.0 >/dev/null 2>&1; done
after=$(wc -l <"$D/daemon.log")
expect "five requests write no log line" "$before" "$after"

# ---- a GETBULK response larger than one datagram ----
# 48 CA certificates of about 1.5 KB: 50 repetitions of their DER do not
# fit in 64 KB.  The response must be trimmed to fit, not dropped.
san=$(printf 'DNS:%060d.example,' $(seq 20) | sed 's/,$//')
for i in $(seq 48); do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout /dev/null -subj "/CN=big $i" -days 30 -set_serial "$i" \
		-addext basicConstraints=critical,CA:TRUE -addext "subjectAltName=$san" \
		2>/dev/null
done >"$T/big.pem"
# over SNMP (secImportCertificate), 16 at a time: a SET is one datagram too
awk -v d="$T/big" '/BEGIN/ { n++ } { print > (d "." int((n - 1) / 16)) }' "$T/big.pem"
for f in "$T"/big.[0-9]; do
	snmpset "${V3RW[@]}" "$AGENT" $ROOT.1.1.5.0 s "$(cat "$f")" >/dev/null 2>&1
done
col() { grep -c "^iso.3.6.1.4.1.32473.1.1.1.2.1.2.*Hex-STRING" <<<"$1"; }
out=$(snmpbulkget -v2c -c public -t 3 -r 0 -Cn0 -Cr50 "$AGENT" $CA_E.2 2>&1)
n=$(col "$out")
if [ "$n" -gt 10 ] && [ "$n" -lt 48 ]; then
	ok "a v2c GETBULK of 50 certificates is trimmed to one datagram ($n varbinds)"
else
	not_ok "a v2c GETBULK too large for a datagram: $n varbinds: $(head -c 200 <<<"$out")"
fi
total=$(snmpwalk "${V2[@]}" "$AGENT" $CA_E.2 2>&1 | grep -c "Hex-STRING")
n=$(col "$(snmpbulkwalk -v2c -c public -t 3 -r 0 -Cr50 "$AGENT" $CA_E.2 2>&1)")
[ "$total" -ge 48 ] && [ "$n" -eq "$total" ] &&
	ok "and a bulk walk with -Cr50 sees every row ($n)" ||
	not_ok "bulk walk with -Cr50: $n rows of $total"
alive "after oversized responses"

# ---- engine ID and boots ----
engine() { snmpget "${V3RW[@]}" -Oqv "$AGENT" .1.3.6.1.6.3.10.2.1.1.0 2>&1; }
boots() { snmpget "${V3RW[@]}" -Oqv "$AGENT" .1.3.6.1.6.3.10.2.1.2.0 2>&1; }
e1=$(engine)
b1=$(boots)
stop_daemon
start_daemon "$D" "$T/a.conf" || diag "restart failed"
b2=$(boots)
[ "$b2" -gt "$b1" ] 2>/dev/null && ok "engine boots increase across a restart ($b1 -> $b2)" ||
	not_ok "engine boots across a restart: $b1 -> $b2"
expect "the engine ID persists in the state directory" "$e1" "$(engine)"
kill -9 "$DPID"
{ wait "$DPID"; } 2>/dev/null
start_daemon "$D" "$T/a.conf" || diag "restart after kill -9 failed"
b3=$(boots)
[ "$b3" -gt "$b2" ] 2>/dev/null && ok "engine boots increase after kill -9 ($b2 -> $b3)" ||
	not_ok "engine boots after kill -9: $b2 -> $b3"
if grep -q "^usmUser\|^createUser" "$D/snmp/secagentd.conf" 2>/dev/null; then
	not_ok "Net-SNMP persisted a user in $D/snmp/secagentd.conf"
else
	ok "no user is persisted by Net-SNMP"
fi

# ---- users come from the configuration only ----
stop_daemon
# what an older Net-SNMP state could hold: a user the configuration lacks
echo "createUser ghost SHA-256 ghost-secret AES ghost-secret" >>"$D/snmp/secagentd.conf"
start_daemon "$D" "$T/a.conf" || diag "restart failed"
out=$(snmpget -v3 -u ghost -l authPriv -a SHA-256 -A ghost-secret -x AES -X ghost-secret \
	-t 1 -r 0 "$AGENT" $ROOT.1.1.1.0 2>&1)
case "$out" in *nknown*|*Timeout*|*uthentication*) ok "a user Net-SNMP kept in its state is not a user" ;;
*) not_ok "persisted ghost user answered: $out" ;; esac
write_conf "$T/a.conf" "snmp $AGENT" "netconf-unix none"
sed -i 's/^snmp-user viewer ro SHA-512 viewer-secret AES-256 viewer-secret$/snmp-user viewer ro SHA-512 viewer-secret-2 AES-256 viewer-secret-2/' "$T/a.conf"
kill -HUP "$DPID"
sleep 1
out=$(snmpget "${V3RO[@]}" -t 1 -r 0 "$AGENT" $ROOT.1.1.1.0 2>&1)
case "$out" in *nknown*|*Timeout*|*uthentication*|*ecryption*) ok "after a reload, a changed passphrase no longer works" ;;
*) not_ok "old passphrase after reload: $out" ;; esac
out=$(snmpget -v3 -u viewer -l authPriv -a SHA-512 -A viewer-secret-2 -x AES-256 -X viewer-secret-2 \
	-t 2 -r 1 -Oqv "$AGENT" $ROOT.1.1.1.0 2>&1)
expect "and the new one does" 1 "$out"
stop_daemon
start_daemon "$D" "$T/a.conf" || diag "restart failed"
out=$(snmpget -v3 -u viewer -l authPriv -a SHA-512 -A viewer-secret-2 -x AES-256 -X viewer-secret-2 \
	-t 2 -r 1 -Oqv "$AGENT" $ROOT.1.1.1.0 2>&1)
expect "after a restart the configured passphrase wins" 1 "$out"
sed -i '/^snmp-user viewer/d' "$T/a.conf"
kill -HUP "$DPID"
sleep 1
out=$(snmpget -v3 -u viewer -l authPriv -a SHA-512 -A viewer-secret-2 -x AES-256 -X viewer-secret-2 \
	-t 1 -r 0 "$AGENT" $ROOT.1.1.1.0 2>&1)
case "$out" in *nknown*|*Timeout*|*uthentication*) ok "a removed user is refused after a reload" ;;
*) not_ok "removed user answered: $out" ;; esac
expect "the other users still work" 1 "$(snmpget "${V3RW[@]}" -Oqv "$AGENT" $ROOT.1.1.1.0 2>&1)"
alive "after the reloads"
stop_daemon && ok "secagentd stops on SIGTERM" || not_ok "secagentd did not stop"
finish
