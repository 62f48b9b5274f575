#!/usr/bin/env bash
# Every YANG notification as an SNMPv2 notification of the embedded agent,
# received by snmptrapd: a v2c trap target and an SNMPv3 inform target,
# each notification with its objects.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../snmplib.sh"

[ -x "$DAEMON" ] || { skip "SNMP traps: secagentd is not built"; finish; }

D="$T/state"
PORT=$(free_port) TP1=$(free_port) TP2=$(free_port)
AGENT="udp:127.0.0.1:$PORT"
start_trapd "$T/trapd1" "$TP1" || diag "snmptrapd 1 did not say it started"
start_trapd "$T/trapd2" "$TP2" || diag "snmptrapd 2 did not say it started"
write_conf "$T/a.conf" "snmp $AGENT" "netconf-unix none" \
	"trap-target udp:127.0.0.1:$TP1 trap v2c public" \
	"trap-target udp:127.0.0.1:$TP2 inform v3 admin"
mkca root
mkca other
mkleaf stranger other
mkdated soon root "$(utc_in -60)" "$(utc_in 864000)"	# 10 days left
start_daemon "$D" "$T/a.conf" || { not_ok "secagentd starts"; finish; }
mkdated brief root "$(utc_in -60)" "$(utc_in 3)"	# gone in 3 s
s_rw() { snmpset "${V3RW[@]}" "$AGENT" "$@" 2>&1; }
NOTIF=$ROOT.0
TRAPOID=.1.3.6.1.6.3.1.1.4.1.0

s_rw $ROOT.1.1.5.0 s "$(cat "$T/root.pem" "$T/soon.pem" "$T/brief.pem")" >/dev/null
soon=$(fp "$T/soon.pem") brief=$(fp "$T/brief.pem") st=$(fp "$T/stranger.pem")
# hex as snmptrapd prints an OCTET STRING: "3E 90 ..."
hexsp() { sed 's/../& /g; s/ $//' <<<"$1" | tr 'a-f' 'A-F'; }
sleep 4
s_rw $ROOT.1.1.8.0 i 2 >/dev/null	# secRunExpirySweep

# certificate-expiring: fingerprint, list, days, not-after, subject (.0)
for t in 1 2; do
	what=$([ $t = 1 ] && echo "v2c trap" || echo "SNMPv3 inform")
	log="$T/trapd$t/traps.log"
	pat="$TRAPOID = OID: $NOTIF.3 .*$(hexsp "$soon")"
	if wait_trap "$log" "$pat" 10; then
		line=$(trap_records "$log" | grep -- "$pat" | head -1)
		ok "secCertificateExpiring received as a $what"
		case "$line" in
		*"$ROOT.1.4.1.0 = Hex-STRING: $(hexsp "$soon")"*"$ROOT.1.4.2.0 = INTEGER: 2"*"$ROOT.1.4.6.0 = INTEGER: "[0-9]*"$ROOT.1.4.5.0 = "*"$ROOT.1.4.4.0 = STRING: \"CN=soon\""*)
			ok "secCertificateExpiring ($what) carries fingerprint, list, days, not-after, subject" ;;
		*) not_ok "secCertificateExpiring objects ($what): $line" ;;
		esac
	else
		not_ok "secCertificateExpiring received as a $what: $(tail -2 "$log" | tr '\n' ' ')"
	fi
	# certificate-invalidated: previous list (.0), the Invalid row's reason, subject, not-after
	idx=$(fp_index "$brief")
	if wait_trap "$log" "$TRAPOID = OID: $NOTIF.1" 10; then
		line=$(trap_records "$log" | grep "$TRAPOID = OID: $NOTIF.1" | head -1)
		ok "secCertificateInvalidated received as a $what"
		case "$line" in
		*"$ROOT.1.4.3.0 = INTEGER: 2"*"$INV_E.18$idx = INTEGER: 1"*"$INV_E.5$idx = STRING: \"CN=brief\""*"$INV_E.9$idx = "*)
			ok "secCertificateInvalidated ($what) names the row and carries its objects" ;;
		*) not_ok "secCertificateInvalidated objects ($what): $line" ;;
		esac
	else
		not_ok "secCertificateInvalidated received as a $what"
	fi
done

# invalid-certificate-received: a TLS peer's certificate refused and recorded
sport=$(free_port)
if s_server "$sport" "$T/stranger.pem" "$T/stranger.key"; then
	s_rw $ROOT.1.1.9.0 s "127.0.0.1:$sport" >/dev/null
	idx=$(fp_index "$st")
	for t in 1 2; do
		log="$T/trapd$t/traps.log"
		if wait_trap "$log" "$TRAPOID = OID: $NOTIF.2" 10; then
			line=$(trap_records "$log" | grep "$TRAPOID = OID: $NOTIF.2" | head -1)
			case "$line" in
			*"$INV_E.18$idx = INTEGER: 3"*"$INV_E.19$idx = STRING: \"127.0.0.1:$sport\""*"$INV_E.5$idx = STRING: \"CN=stranger"*)
				ok "secInvalidCertificateReceived (target $t) with reason, peer, subject" ;;
			*) not_ok "secInvalidCertificateReceived objects (target $t): $line" ;;
			esac
		else
			not_ok "secInvalidCertificateReceived at target $t"
		fi
	done
else
	skip "secInvalidCertificateReceived: openssl s_server did not start"
fi

# one notification per event, not one per target and event twice
n=$(trap_records "$T/trapd1/traps.log" | grep -c "$TRAPOID = OID: $NOTIF.1")
expect "one secCertificateInvalidated per invalidated certificate" 1 "$n"
alive "after the notifications"
stop_daemon
finish
