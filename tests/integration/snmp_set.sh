#!/usr/bin/env bash
# SNMP SETs against the embedded agent: every error-status the SET phases
# give (wrongType, wrongLength, wrongValue, notWritable, noCreation,
# inconsistentValue, commitFailed with UNDO, resourceUnavailable under a
# NETCONF lock), and import, createAndGo, destroy, accept, reject, remove,
# the settings and the operations, each seen in the store by secagentctl.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../snmplib.sh"

[ -x "$DAEMON" ] || { skip "SNMP SET: secagentd is not built"; finish; }

D="$T/state"
PORT=$(free_port)
AGENT="udp:127.0.0.1:$PORT"
# no NETCONF socket: secagentctl reads the store itself (read-only)
write_conf "$T/a.conf" "snmp $AGENT" "netconf-unix none"
mkca root
mkca ca2
mkleaf leaf root
mkleaf leaf2 root
mkca other
mkca ca3
mkleaf stranger other
mkdated old root 20200101000000Z 20210101000000Z
mkdated old2 root 20200101000000Z 20210101000000Z
start_daemon "$D" "$T/a.conf" || { not_ok "secagentd starts"; finish; }
ctl() { "$CTL" -d "$D" "$@" 2>&1; }
# where a fingerprint is, as the store says: "ca", "server", ... or "none"
where() { ctl show "$1" | sed -n 's/^list: *//p' | grep . || echo none; }
set_rw() { sset "${V3RW[@]}" "$AGENT" "$@" 2>&1; }
s_rw() { snmpset "${V3RW[@]}" "$AGENT" "$@" 2>&1; }

root=$(fp "$T/root.pem") ca2=$(fp "$T/ca2.pem") leaf=$(fp "$T/leaf.pem")
leaf2=$(fp "$T/leaf2.pem") old=$(fp "$T/old.pem") old2=$(fp "$T/old2.pem")
long=$(printf 'u%.0s' $(seq 75))

# ---- RESERVE1: each value alone ----
expect_error "wrongType: a string object written as an INTEGER" wrongType \
	s_rw $ROOT.1.2.1.0 i 3
expect_error "wrongType: TruthValue written as a string" wrongType \
	s_rw $ROOT.1.1.1.0 s true
expect_error "wrongLength: a username of 75 characters" wrongLength \
	s_rw $ROOT.1.2.1.0 s "$long"
expect_error "wrongLength: a password of 75 characters" wrongLength \
	s_rw $ROOT.1.2.2.0 s "$long"
expect_error "wrongLength: secRemoveCertificate of 5 octets" wrongLength \
	s_rw $ROOT.1.1.6.0 x 0102030405
expect_error "wrongValue: TruthValue 3" wrongValue s_rw $ROOT.1.1.1.0 i 3
expect_error "wrongValue: a username with a control character" wrongValue \
	s_rw $ROOT.1.2.1.0 x 6162016364
expect_error "wrongValue: secImportCertificate of something else" wrongValue \
	s_rw $ROOT.1.1.5.0 s "not a certificate"
expect_error "wrongValue: RowStatus createAndWait is not supported" wrongValue \
	s_rw "$CA_E.18$(fp_index "$ca2")" i 5
expect_error "wrongValue: CertData that is not one certificate" wrongValue \
	s_rw "$CA_E.2$(fp_index "$ca2")" x 3082 "$CA_E.18$(fp_index "$ca2")" i 4
expect_error "wrongValue: secProvisionNow 3" wrongValue s_rw $ROOT.1.3.8.0 i 3
expect_error "notWritable: a read-only column" notWritable \
	s_rw "$CA_E.5$(fp_index "$root")" s x
expect_error "notWritable: a read-only scalar" notWritable s_rw $ROOT.1.3.5.0 i 2
expect_error "noCreation: an index that is not 32 octets" noCreation \
	s_rw "$CA_E.18.1.2.3" i 4
expect_error "noCreation: the Invalid table has no row creation" noCreation \
	s_rw "$INV_E.23$(fp_index "$ca2")" i 2
expect "none of it changed the username" "" "$(ctl get http-username)"

# ---- RESERVE2: against the store ----
der_root=$(der_hex "$T/root.pem") der_ca2=$(der_hex "$T/ca2.pem")
der_leaf=$(der_hex "$T/leaf.pem")
expect_error "inconsistentValue: createAndGo whose index is not the DER's fingerprint" \
	inconsistentValue s_rw "$CA_E.18$(fp_index "$root")" i 4 "$CA_E.2$(fp_index "$root")" x "$der_ca2"
expect_error "inconsistentValue: a CA certificate created in the Server table" \
	inconsistentValue s_rw "$SRV_E.18$(fp_index "$ca2")" i 4 "$SRV_E.2$(fp_index "$ca2")" x "$der_ca2"
expect_error "inconsistentValue: a server certificate created in the CA table" \
	inconsistentValue s_rw "$CA_E.18$(fp_index "$leaf")" i 4 "$CA_E.2$(fp_index "$leaf")" x "$der_leaf"
expect_error "inconsistentValue: createAndGo without the certificate data" \
	inconsistentValue s_rw "$CA_E.18$(fp_index "$ca2")" i 4
expect_error "inconsistentValue: remove an unknown fingerprint" \
	inconsistentValue s_rw $ROOT.1.1.6.0 x "$ca2"
expect_error "inconsistentValue: active on a row that does not exist" \
	inconsistentValue s_rw "$CA_E.18$(fp_index "$ca2")" i 1
expect "none of it reached the store" "none none none" "$(where "$root") $(where "$ca2") $(where "$leaf")"

# ---- writes, seen in the store ----
out=$(s_rw $ROOT.1.1.5.0 x "$der_root")
expect "secImportCertificate: a CA certificate goes to the CA table" ca "$(where "$root")"
s_rw $ROOT.1.1.5.0 s "$(cat "$T/leaf.pem" "$T/old.pem" "$T/old2.pem")" >/dev/null
expect "secImportCertificate: a PEM bundle of three, each to its list" \
	"server invalid invalid" "$(where "$leaf") $(where "$old") $(where "$old2")"
out=$(snmpget "${V2[@]}" -Oqv "$AGENT" "$INV_E.19$(fp_index "$old")" "$INV_E.18$(fp_index "$old")" 2>&1 | tr '\n' ' ')
expect "the Invalid row reads its reason (expired) and no peer" '"" 1 ' "$out"
expect_error "inconsistentValue: createAndGo of a row that exists" \
	inconsistentValue s_rw "$CA_E.18$(fp_index "$root")" i 4 "$CA_E.2$(fp_index "$root")" x "$der_root"
expect_error "inconsistentValue: the certificate data of a row cannot change" \
	inconsistentValue s_rw "$CA_E.2$(fp_index "$root")" x "$der_ca2"
out=$(s_rw "$CA_E.18$(fp_index "$ca2")" i 4 "$CA_E.2$(fp_index "$ca2")" x "$der_ca2")
expect "createAndGo with the DER creates the CA row (configured)" "ca configured" \
	"$(where "$ca2") $(ctl show "$ca2" | sed -n 's/^origin: *//p')"
out=$(snmpget "${V2[@]}" -Oqv "$AGENT" "$CA_E.18$(fp_index "$ca2")" 2>&1)
expect "the new row reads active" 1 "$out"
s_rw "$CA_E.18$(fp_index "$ca2")" i 6 >/dev/null
expect "destroy removes the row" none "$(where "$ca2")"
out=$(s_rw "$CA_E.18$(fp_index "$ca2")" i 6)
expect "destroy of a row that is not there is no error" "" "$(snmp_error "$out")"
s_rw "$SRV_E.18$(fp_index "$leaf2")" i 4 "$SRV_E.2$(fp_index "$leaf2")" x "$(der_hex "$T/leaf2.pem")" \
	"$SRV_E.19$(fp_index "$leaf2")" i 1 >/dev/null
expect "createAndGo in the Server table with secServerCertRejected true(1)" "server true" \
	"$(where "$leaf2") $(ctl show "$leaf2" | sed -n 's/^rejected: *//p')"
s_rw "$SRV_E.19$(fp_index "$leaf2")" i 2 >/dev/null
expect "secServerCertRejected false(2) lifts the label" 0 \
	"$(ctl show "$leaf2" | grep -c '^rejected: *true')"
s_rw "$INV_E.23$(fp_index "$old")" i 2 >/dev/null
expect "secInvalidCertAction accept(2) moves it to Server, accepted" "server accepted" \
	"$(where "$old") $(ctl show "$old" | sed -n 's/^origin: *//p')"
s_rw "$INV_E.23$(fp_index "$old2")" i 3 >/dev/null
expect "secInvalidCertAction reject(3) moves it to Server, labelled rejected" "server true" \
	"$(where "$old2") $(ctl show "$old2" | sed -n 's/^rejected: *//p')"
out=$(snmpget "${V2[@]}" -Oqv "$AGENT" "$SRV_E.19$(fp_index "$old2")" 2>&1)
expect "and secServerCertRejected reads true(1)" 1 "$out"
s_rw $ROOT.1.1.6.0 x "$old2" >/dev/null
expect "secRemoveCertificate removes it" none "$(where "$old2")"
s_rw $ROOT.1.1.1.0 i 1 $ROOT.1.2.1.0 s "7C2F80C6E5C2" $ROOT.1.2.2.0 s "s3cret" >/dev/null
expect "settings: accept-all and the username in one request" "true 7C2F80C6E5C2" \
	"$(ctl get accept-all-certificates) $(ctl get http-username)"
closed=$(free_port)	# nothing listens: provisioning fails at once
s_rw $ROOT.1.3.1.0 s "http://127.0.0.1:$closed/p.xml" $ROOT.1.3.2.0 u 3600 >/dev/null
expect "settings: the provisioning URL and interval" "http://127.0.0.1:$closed/p.xml 3600" \
	"$(ctl get provisioning-url) $(ctl get provisioning-interval)"
expect_error "wrongValue: an interval over a year" wrongValue s_rw $ROOT.1.3.2.0 u 31536001

# ---- all or nothing ----
expect_error "one bad varbind fails the whole request" wrongValue \
	s_rw $ROOT.1.2.1.0 s "bob" $ROOT.1.1.1.0 i 7
expect "and the good one was not applied" 7C2F80C6E5C2 "$(ctl get http-username)"

# ---- one request that says two things of one row ----
ca3=$(fp "$T/ca3.pem")
expect_error "inconsistentValue: createAndGo and destroy of one row" inconsistentValue \
	s_rw "$CA_E.18$(fp_index "$ca3")" i 4 "$CA_E.2$(fp_index "$ca3")" x "$(der_hex "$T/ca3.pem")" \
	"$CA_E.18$(fp_index "$ca3")" i 6
expect "and the row was not created" none "$(where "$ca3")"
expect_error "inconsistentValue: createAndGo and secRemoveCertificate of one certificate" \
	inconsistentValue s_rw "$CA_E.18$(fp_index "$ca3")" i 4 \
	"$CA_E.2$(fp_index "$ca3")" x "$(der_hex "$T/ca3.pem")" $ROOT.1.1.6.0 x "$ca3"
expect "and nothing was created" none "$(where "$ca3")"
e=$(snmp_error "$(s_rw $ROOT.1.1.5.0 s "$(cat "$T/ca3.pem")" $ROOT.1.1.6.0 x "$ca3")")
expect "secImportCertificate and secRemoveCertificate of one certificate: nothing changes" \
	"noError none" "${e:-noError} $(where "$ca3")"
alive "after requests that contradict themselves"

# ---- ACTION fails: commitFailed, and UNDO restores ----
# secProvisionNow cannot start without a URL: commitFailed, and UNDO puts
# back what the request changed before it (the username, the URL itself)
expect_error "commitFailed: secProvisionNow with no provisioning URL" commitFailed \
	s_rw $ROOT.1.2.1.0 s "carol" $ROOT.1.3.1.0 s "" $ROOT.1.3.8.0 i 2
expect "UNDO restored the username and the URL written with it" \
	"7C2F80C6E5C2 http://127.0.0.1:$closed/p.xml" \
	"$(ctl get http-username) $(ctl get provisioning-url)"
expect_error "commitFailed: a removal undone" commitFailed \
	s_rw $ROOT.1.1.6.0 x "$leaf" $ROOT.1.3.1.0 s "" $ROOT.1.3.8.0 i 2
expect "UNDO put the removed certificate back" server "$(where "$leaf")"

# The operations answer at once and go on in a thread: poll what they leave.
# poll_until OID PATTERN: reads OID (-Oqv) until it matches, 20 s at most.
poll_until() {
	local i out
	for i in $(seq 100); do
		out=$(snmpget "${V2[@]}" -Oqv "$AGENT" "$1" 2>&1)
		case "$out" in $2) echo "$out"; return 0 ;; esac
		sleep 0.2
	done
	echo "$out"
	return 1
}
e=$(snmp_error "$(s_rw $ROOT.1.3.8.0 i 2)")
expect "secProvisionNow start(2) answers noError at once (nothing listens)" noError "${e:-noError}"
poll_until $ROOT.1.3.8.0 1 >/dev/null
out=$(snmpget "${V2[@]}" -Oqv "$AGENT" $ROOT.1.3.5.0 $ROOT.1.3.6.0 2>&1 | tr '\n' '|')
case "$out" in 3\|\"?*) ok "then secProvLastResult failed(3) and secProvLastError say why ($out)" ;;
*) not_ok "provisioning state after a failure: $out" ;; esac
s_rw $ROOT.1.1.9.0 s "127.0.0.1:$closed" >/dev/null
out=$(poll_until $ROOT.1.1.9.0 '"failed: *')
expect "secCheckServer of a closed port reads failed: and why" 0 "$?"
diag "$out"

# ---- provisioning that works ----
pport=$(free_port)
mkdir -p "$T/www"
printf '%s\n' '<provisioning version="1.1" productID="e2"><nvm>' \
	'<param name="SystemSettings.global.Security_Certificates_AcceptAllCertificates" value="1"/>' \
	'</nvm></provisioning>' >"$T/www/p.xml"
bg /usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$pport" >/dev/null 2>&1
if wait_port "$pport"; then
	s_rw $ROOT.1.1.1.0 i 2 $ROOT.1.3.1.0 s "http://127.0.0.1:$pport/p.xml" >/dev/null
	e=$(snmp_error "$(s_rw $ROOT.1.3.8.0 i 2)")
	poll_until $ROOT.1.3.8.0 1 >/dev/null
	expect "secProvisionNow start(2) fetches and applies the file" "noError true" \
		"${e:-noError} $(ctl get accept-all-certificates)"
	out=$(snmpget "${V2[@]}" -Oqv "$AGENT" $ROOT.1.3.5.0 $ROOT.1.3.6.0 2>&1 | tr '\n' ' ')
	expect "secProvLastResult success(2), secProvLastError empty" '2 "" ' "$out"
else
	skip "secProvisionNow success: python3 -m http.server did not start"
fi

# ---- the operations ----
s_rw $ROOT.1.1.1.0 i 2 >/dev/null	# accept-all off: the check refuses
sport=$(free_port)
if s_server "$sport" "$T/stranger.pem" "$T/stranger.key"; then
	s_rw $ROOT.1.1.9.0 s "127.0.0.1:$sport" >/dev/null
	out=$(poll_until $ROOT.1.1.9.0 '"refused*')
	expect "secCheckServer reads the verdict" '"refused: unknownIssuer"' "$out"
	st=$(fp "$T/stranger.pem")
	out=$(snmpget "${V2[@]}" -Oqv "$AGENT" "$INV_E.19$(fp_index "$st")" 2>&1)
	expect "the refused certificate is in the Invalid table with its peer" "\"127.0.0.1:$sport\"" "$out"
else
	skip "secCheckServer: openssl s_server did not start"
fi
# the agent's factory set is the test's bundle (tests/lib.sh)
f=$(fp "$FACTORY")
s_rw $ROOT.1.1.6.0 x "$f" >/dev/null
removed=$(where "$f")
s_rw $ROOT.1.1.7.0 i 2 >/dev/null
expect "secRestoreDefaults restore(2) puts a removed factory certificate back" "none/ca" "$removed/$(where "$f")"
out=$(s_rw $ROOT.1.1.8.0 i 2)
expect "secRunExpirySweep run(2) answers noError" "" "$(snmp_error "$out")"
out=$(snmpget "${V2[@]}" -Oqv "$AGENT" $ROOT.1.1.7.0 $ROOT.1.1.8.0 $ROOT.1.3.8.0 2>&1 | tr '\n' ' ')
expect "the operation objects read idle(1)" "1 1 1 " "$out"

# ---- slow operations do not hold the agent up ----
# a server that accepts connections and never says a word
silent=$(free_port)
bg /usr/bin/python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
conns = [s.accept() for _ in range(16)]
time.sleep(60)' "$silent"
if wait_port "$silent"; then
	ms() { echo $(($(date +%s%N) / 1000000)); }
	s_rw $ROOT.1.3.1.0 s "http://127.0.0.1:$silent/p.xml" $ROOT.1.3.2.0 u 0 >/dev/null
	t0=$(ms)
	e=$(snmp_error "$(s_rw $ROOT.1.3.8.0 i 2)")
	t1=$(ms)
	expect "secProvisionNow answers at once while the server is silent" "noError fast" \
		"${e:-noError} $([ $((t1 - t0)) -lt 2000 ] && echo fast || echo "$((t1 - t0)) ms")"
	out=$(snmpget "${V2[@]}" -Oqv "$AGENT" $ROOT.1.3.8.0 2>&1)
	t2=$(ms)
	expect "it reads running(3), and a GET is answered meanwhile" "3 fast" \
		"$out $([ $((t2 - t1)) -lt 2000 ] && echo fast || echo "$((t2 - t1)) ms")"
	s_rw $ROOT.1.1.9.0 s "127.0.0.1:$silent" >/dev/null
	expect "secCheckServer reads checking while the check is under way" '"checking"' \
		"$(snmpget "${V2[@]}" -Oqv "$AGENT" $ROOT.1.1.9.0 2>&1)"
	expect_error "inconsistentValue: a second check while one is under way" \
		inconsistentValue s_rw $ROOT.1.1.9.0 s "127.0.0.1:$silent"
	out=$(poll_until $ROOT.1.1.9.0 '"failed: *no answer within*')
	expect "the silent server's check ends failed: with its timeout" 0 "$?"
	diag "$out"
else
	skip "slow operations: the silent server did not start"
fi

# ---- a NETCONF lock on the configuration ----
stop_daemon
write_conf "$T/b.conf" "snmp $AGENT"
start_daemon "$D" "$T/b.conf" || diag "restart failed"
for ((i = 0; i < 50; i++)); do [ -S "$D/secagentd.sock" ] && break; sleep 0.1; done
/usr/bin/python3 - "$D/secagentd.sock" "$T/lock" <<'EOF' &
import os, socket, sys, time
sys.path.insert(0, os.path.join(os.environ["SECAGENT_SRCDIR"], "tests"))
import nclib
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    r = nclib.RawSession(s).rpc("<lock><target><running/></target></lock>")
except Exception as e:
    r = "error: %s" % e
open(sys.argv[2] + ".tmp", "w").write("locked" if "<ok/>" in r else r[:200])
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
for _ in range(100):
    if os.path.exists(sys.argv[2] + ".release"):
        break
    time.sleep(0.1)
EOF
lockpid=$!
for ((i = 0; i < 50; i++)); do [ -f "$T/lock" ] && break; sleep 0.1; done
if [ "$(cat "$T/lock" 2>/dev/null)" = locked ]; then
	expect_error "resourceUnavailable while a NETCONF session locks running" \
		resourceUnavailable s_rw $ROOT.1.2.1.0 s "dave"
	touch "$T/lock.release"
	wait "$lockpid" 2>/dev/null
	sleep 0.5
	out=$(s_rw $ROOT.1.2.1.0 s "dave")
	expect "once the session ends, SETs work again" "" "$(snmp_error "$out")"
else
	skip "resourceUnavailable under a NETCONF lock: this secagentd has no <lock> ($(head -c 120 "$T/lock" 2>/dev/null))"
	touch "$T/lock.release"
	wait "$lockpid" 2>/dev/null
fi
alive "after the SETs"
stop_daemon
finish
