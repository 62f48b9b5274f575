#!/bin/bash
# lint.sh - the YANG module and the MIB pass their reference validators:
# yanglint prints nothing and its own YANG output parses again; smilint -l 6
# prints nothing; Net-SNMP parses the MIB silently and resolves every
# identifier that libsmi finds in it to the same OID; the names DESIGN.md
# fixes are there.
#
# Prints one line per case (ok / not ok / skip); exits 1 when one failed.
# Runs from any directory.  Environment: SECAGENT_YANG_PATH (YANG search
# dir), SECAGENT_IETF_MIBS (the IETF MIB modules the MIB imports).

set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
yang="$top/yang/secagent-security.yang"
mib="$top/mibs/SECAGENT-SECURITY-MIB.txt"
module=SECAGENT-SECURITY-MIB
failed=0

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $1"; }
skip() { echo "skip - $1: ${*:2}"; }
fail() {
	echo "not ok - $1: ${*:2}"
	failed=1
}
# One line for a validator's messages, so the case stays on one line.
oneline() { tr '\n' ' ' <"$1" | cut -c1-400; }

# ---- YANG ----

yangdir=${SECAGENT_YANG_PATH:-/usr/share/yuma/modules/ietf}
yang_cases() {
	local name="yang: yanglint prints nothing"
	local rt="yang: yanglint -f yang output parses again, unchanged"

	if ! command -v yanglint >/dev/null; then
		skip "$name" "yanglint not installed (libyang2-tools)"
		skip "$rt" "yanglint not installed"
		return
	fi
	if ! ls "$yangdir"/ietf-netconf-acm*.yang >/dev/null 2>&1; then
		skip "$name" "no ietf-netconf-acm in $yangdir (libyuma-base)"
		skip "$rt" "no ietf-netconf-acm in $yangdir"
		return
	fi
	if yanglint -p "$yangdir" "$yang" >"$tmp/lint.out" 2>&1 &&
	    [ ! -s "$tmp/lint.out" ]; then
		ok "$name"
	else
		fail "$name" "$(oneline "$tmp/lint.out")"
	fi

	# The copy keeps the module's file name so libyang does not warn.
	mkdir -p "$tmp/rt"
	if ! yanglint -p "$yangdir" -f yang "$yang" \
	    >"$tmp/rt/secagent-security.yang" 2>"$tmp/rt.err"; then
		fail "$rt" "printing failed: $(oneline "$tmp/rt.err")"
	elif ! yanglint -p "$yangdir" -f yang "$tmp/rt/secagent-security.yang" \
	    >"$tmp/rt2.yang" 2>"$tmp/rt.err" || [ -s "$tmp/rt.err" ]; then
		fail "$rt" "the printed module does not parse:" \
		    "$(oneline "$tmp/rt.err")"
	elif ! cmp -s "$tmp/rt/secagent-security.yang" "$tmp/rt2.yang"; then
		fail "$rt" "printing the printed module changes it"
	else
		ok "$rt"
	fi
}

# ---- MIB ----

has_module() { [ -r "$1/$2" ] || [ -r "$1/$2.txt" ]; }
ietf=""
for dir in "${SECAGENT_IETF_MIBS:-}" "$top/../shared/mibs/ietf" \
    /usr/share/snmp/mibs/ietf /usr/share/snmp/mibs /usr/share/mibs/ietf \
    /var/lib/mibs/ietf; do
	if [ -n "$dir" ] && has_module "$dir" SNMPv2-SMI &&
	    has_module "$dir" SNMP-FRAMEWORK-MIB; then
		ietf=$(cd "$dir" && pwd)
		break
	fi
done

# Net-SNMP reads no configuration file here, and only this module and its
# imports: any message is about them.
snmp() {
	SNMPCONFPATH="$tmp/none" MIBS="" MIBDIRS="" \
	    snmptranslate -M "$ietf:$top/mibs" -m "$module" "$@" \
	    2>"$tmp/snmp.err"
	local rc=$?
	grep -v '^Created directory:' "$tmp/snmp.err" >"$tmp/snmp.msg"
	return $rc
}

smilint_case() {
	local name="mib: smilint -l 6 prints nothing"

	if ! command -v smilint >/dev/null; then
		skip "$name" "smilint not installed (smitools)"
		return
	fi
	SMIPATH="$ietf" smilint -l 6 "$mib" >"$tmp/smilint.out" 2>&1
	if [ -s "$tmp/smilint.out" ]; then
		fail "$name" "$(oneline "$tmp/smilint.out")"
	else
		ok "$name"
	fi
}

netsnmp_cases() {
	local parse="mib: Net-SNMP parses the module without messages"
	local resolve="mib: snmptranslate resolves every identifier"
	resolve="$resolve to libsmi's OID"
	local n=0 bad="" name kind oid got

	if ! command -v snmptranslate >/dev/null; then
		skip "$parse" "snmptranslate not installed (snmp)"
		skip "$resolve" "snmptranslate not installed"
		return
	fi
	if snmp -On "$module::secagentSecurityMIB" >/dev/null &&
	    [ ! -s "$tmp/snmp.msg" ]; then
		ok "$parse"
	else
		fail "$parse" "$(oneline "$tmp/snmp.msg")"
	fi

	if ! command -v smidump >/dev/null; then
		skip "$resolve" "smidump not installed (smitools)"
		return
	fi
	# Every identifier with an OID, as libsmi reads the module.
	SMIPATH="$ietf" smidump -f identifiers "$mib" 2>/dev/null |
	    awk -v m="$module" '$1 == m && NF == 4 { print $2, $3, $4 }' \
	    >"$tmp/ids"
	while read -r name kind oid; do
		n=$((n + 1))
		got=$(snmp -On "$module::$name")
		[ "$got" = ".$oid" ] ||
		    bad="$bad $name($kind: ${got:-unresolved})"
	done <"$tmp/ids"
	if [ "$n" -lt 100 ]; then
		fail "$resolve" "smidump found only $n identifiers"
	elif [ -n "$bad" ]; then
		fail "$resolve" "$(echo "$bad" | cut -c1-400)"
	else
		ok "$resolve"
	fi
}

# The names other components, tests and users rely on (DESIGN.md, "Data
# model contract" and "Names and formats fixed").
mib_contract_case() {
	local name="contract: the MIB defines the names DESIGN.md fixes"
	local missing="" obj t

	for obj in secAcceptAllCertificates secHttpAuthUsername \
	    secHttpAuthPassword secServerCertRejected secInvalidCertReason \
	    secInvalidCertPeer secInvalidCertAction; do
		snmp -On "$module::$obj" >/dev/null || missing="$missing $obj"
	done
	for t in Ca Server Invalid; do
		for obj in Table Data Subject Issuer NotAfter DaysToExpiry \
		    Status; do
			case $obj in
			Table) obj="sec${t}CertTable" ;;
			*) obj="sec${t}Cert$obj" ;;
			esac
			snmp -On "$module::$obj" >/dev/null ||
			    missing="$missing $obj"
		done
		[ $t = Invalid ] && continue
		snmp -On "$module::sec${t}CertRowStatus" >/dev/null ||
		    missing="$missing sec${t}CertRowStatus"
	done
	snmp -Td "$module::secInvalidCertAction" |
	    grep -q 'INTEGER {none(1), accept(2), reject(3)' ||
	    missing="$missing secInvalidCertAction{none(1),accept(2),reject(3)}"
	if [ -n "$missing" ]; then
		fail "$name" "missing:$missing"
	else
		ok "$name"
	fi
}

yang_contract_case() {
	local yname="contract: the YANG module has the nodes DESIGN.md fixes"
	local missing="" t

	if ! command -v yanglint >/dev/null; then
		skip "$yname" "yanglint not installed"
		return
	fi
	yanglint -p "$yangdir" -f tree "$yang" >"$tmp/tree" 2>/dev/null
	for t in '+--rw accept-all-certificates?   boolean' \
	    '+--rw ca-certificate* [fingerprint]' \
	    '+--rw server-certificate* [fingerprint]' \
	    '+--ro invalid-certificate* [fingerprint]' '+--rw rejected?' \
	    '+--rw username?' '+--rw password?' '+--ro last-result?' \
	    '+--ro last-error?' '+---x import-certificate' '+---w pem?' \
	    '+--ro certificate*' '+---x accept-certificate' \
	    '+---x reject-certificate' '+---x remove-certificate' \
	    '+---x provision-now' '+---n certificate-invalidated' \
	    '+---n invalid-certificate-received' \
	    '+---n certificate-expiring'; do
		grep -qF -- "$t" "$tmp/tree" || missing="$missing '$t'"
	done
	grep -q 'namespace "urn:secagent:yang:secagent-security"' "$yang" ||
	    missing="$missing namespace"
	if [ -n "$missing" ]; then
		fail "$yname" "missing:$missing"
	else
		ok "$yname"
	fi
}

yang_cases
if [ -z "$ietf" ]; then
	for c in "mib: smilint -l 6 prints nothing" \
	    "mib: Net-SNMP parses the module without messages" \
	    "mib: snmptranslate resolves every identifier to libsmi's OID" \
	    "contract: the MIB defines the names DESIGN.md fixes"; do
		skip "$c" "no IETF MIB modules (SNMPv2-SMI, ...);" \
		    "set SECAGENT_IETF_MIBS"
	done
else
	smilint_case
	netsnmp_cases
	mib_contract_case
fi
yang_contract_case
exit $failed
