#!/bin/sh
# rollout.sh - a policy rolled out in waves over the provisioning server of
# this directory, started and watched over SNMP (docs/fleet.md):
#
#   rollout.sh wave LIST PERCENT [SALT]
#       The ids (first column) of LIST, devices.txt or TARGETS, in the first
#       PERCENT % of a fixed pseudo-random order (SHA-256 of SALT and the
#       id): the same SALT gives the same order, so the 10 % wave is part
#       of the 50 % one, and a wave is spread over sites and models rather
#       than the first lines of the file.  At least one device when PERCENT
#       is above 0.
#   rollout.sh trigger TARGETS [IDS] -- SNMP-OPTIONS...
#       secProvisionNow.0 = start(2) on each device of TARGETS (those of IDS
#       only, when given): each fetches its file now rather than at its
#       next provisioning-interval.  One line per device, "ID ok" or
#       "ID failed: WHY"; exit 1 when one failed.
#   rollout.sh report TARGETS [-w VERSION] -- SNMP-OPTIONS...
#       Who applied which version: one line per device, "ID VERSION RESULT
#       LAST-SUCCESS ERROR" (secProvPolicyVersion, secProvLastResult,
#       secProvLastSuccess, secProvLastError; "-" when empty), then a
#       summary.  With -w VERSION only the devices that are not at VERSION
#       (behind, failed or unreachable), and exit 1 when there is one.
#
# TARGETS has one device a line, "ID ADDRESS": its id (as in devices.txt)
# and its SNMP agent as the net-snmp tools take it (192.0.2.142,
# udp:192.0.2.142:161, udp6:[2001:db8::8e]:161).  Lines starting with #
# are skipped.  SNMP-OPTIONS are the tools' own: e.g. -v3 -l authPriv
# -u admin -a SHA-256 -A ... -x AES -X ... (trigger writes: a read-write
# user; report reads).  The OIDs are numeric: no MIB file needed.
# PARALLEL devices at a time (default 20), TIMEOUT seconds per request
# (default 2, one retry).
set -eu

MIB=.1.3.6.1.4.1.32473.1.1.3	# secProvisioning
OID_NOW=$MIB.8.0 OID_VERSION=$MIB.9.0 OID_RESULT=$MIB.5.0
OID_SUCCESS=$MIB.4.0 OID_ERROR=$MIB.6.0
PARALLEL=${PARALLEL:-20}
TIMEOUT=${TIMEOUT:-2}

usage() {
	echo "usage: $0 wave LIST PERCENT [SALT]" >&2
	echo "       $0 trigger TARGETS [IDS] -- SNMP-OPTIONS..." >&2
	echo "       $0 report TARGETS [-w VERSION] -- SNMP-OPTIONS..." >&2
	exit 2
}

# The devices of a list file: "ID REST" lines without comments.
devices() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1"
}

# net-snmp without this machine's configuration or MIBs; quiet values.
snmp() {
	tool=$1
	shift
	MIBS= SNMPCONFPATH=/nonexistent "$tool" -t "$TIMEOUT" -r 1 -On -Oqv "$@"
}

# One device: "ID ADDRESS", then the SNMP options.  One snmpget and one awk
# a device, so that a report of a thousand stays quick.
report_one() {
	id=${1%% *}
	addr=${1#* }
	shift
	snmp snmpget "$@" "$addr" $OID_VERSION $OID_RESULT $OID_SUCCESS $OID_ERROR 2>&1 |
	    awk -v id="$id" '
	function unquote(s) {
		sub(/^"/, "", s)
		sub(/"$/, "", s)
		return s == "" || s ~ /^No Such/ ? "-" : s
	}
	function hex(h, i, n) {
		n = 0
		h = toupper(h)
		for (i = 1; i <= length(h); i++)
			n = n * 16 + index("0123456789ABCDEF", substr(h, i, 1)) - 1
		return n
	}
	# a DateAndTime as the tools print it without the MIB, "07 EA 03 02 0A 00
	# 04 00 2B 00 00", as 2026-03-02T10:00:04+00:00
	function date(s, b, k, out) {
		gsub(/"/, "", s)
		if ((k = split(s, b, " ")) < 8)
			return "-"
		out = sprintf("%04d-%02d-%02dT%02d:%02d:%02d", hex(b[1]) * 256 + hex(b[2]),
		    hex(b[3]), hex(b[4]), hex(b[5]), hex(b[6]), hex(b[7]))
		if (k >= 11)
			out = out sprintf("%s%02d:%02d", hex(b[9]) == 45 ? "-" : "+", hex(b[10]),
			    hex(b[11]))
		return out
	}
	{ line[NR] = $0 }
	END {
		if (NR != 4 || line[1] ~ /^Timeout|^snmpget:/) {
			msg = line[1]
			for (i = 2; i <= NR; i++)
				msg = msg " " line[i]
			printf "%s - unreachable - %s\n", id, substr(msg, 1, 200)
			exit
		}
		v = unquote(line[1])
		gsub(/ /, "_", v)
		r = line[2] == "2" ? "success" : line[2] == "3" ? "failed" : "never"
		printf "%s %s %s %s %s\n", id, v, r, date(line[3]), unquote(line[4])
	}'
}

trigger_one() {
	id=${1%% *}
	addr=${1#* }
	shift
	if out=$(snmp snmpset "$@" "$addr" $OID_NOW i 2 2>&1); then
		printf '%s ok\n' "$id"
	else
		printf '%s failed: %s\n' "$id" "$(printf '%s' "$out" | tr '\n' ' ' | cut -c1-200)"
	fi
}

# The TARGETS lines ("ID ADDRESS") of the ids in IDS (all without IDS).
targets() {
	if [ -n "${2:-}" ]; then
		devices "$1" | awk 'NR == FNR { want[$1] = 1; next } ($1 in want) { print $1, $2 }' \
		    "$2" -
	else
		devices "$1" | awk '{ print $1, $2 }'
	fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
wave)
	[ $# -ge 2 ] && [ $# -le 3 ] || usage
	list=$1 percent=$2 salt=${3:-}
	case $percent in '' | *[!0-9]*) usage ;; esac
	[ "$percent" -le 100 ] || usage
	devices "$list" | while read -r id rest; do
		printf '%s %s\n' "$(printf '%s%s' "$salt" "$id" | sha256sum | cut -c1-16)" "$id"
	done | sort | awk -v p="$percent" '{ id[NR] = $2 }
		END {
			n = int((NR * p + 99) / 100)
			for (i = 1; i <= n; i++) print id[i]
		}'
	;;
trigger | report)
	[ $# -ge 1 ] || usage
	list=$1
	shift
	ids= want=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		-w) [ "$cmd" = report ] && [ $# -ge 2 ] || usage; want=$2; shift 2 ;;
		*) [ "$cmd" = trigger ] && [ -z "$ids" ] || usage; ids=$1; shift ;;
		esac
	done
	[ "${1:-}" = -- ] || usage
	shift
	[ -r "$list" ] || { echo "$0: cannot read $list" >&2; exit 1; }
	out=$(targets "$list" "$ids" | xargs -P "$PARALLEL" -I{} sh "$0" "_$cmd" {} "$@" | sort)
	[ -n "$out" ] || { echo "$0: no device in $list" >&2; exit 1; }
	if [ "$cmd" = trigger ]; then
		printf '%s\n' "$out"
		! printf '%s\n' "$out" | grep -q ' failed: '
		exit
	fi
	if [ -n "$want" ]; then
		printf '%s\n' "$out" | awk -v w="$want" '$2 != w'
	else
		printf '%s\n' "$out"
	fi
	printf '%s\n' "$out" | awk -v w="$want" '
		{ n++; at[$2]++ }
		$3 == "failed" { failed++ }
		$3 == "unreachable" { unreachable++ }
		w != "" && $2 != w { behind++ }
		END {
			s = ""
			for (v in at) if (v != "-") s = s sprintf(", %d at %s", at[v], v)
			if (at["-"] - unreachable > 0) s = s sprintf(", %d without a version", at["-"] - unreachable)
			printf "# %d devices%s; %d failed their last attempt, %d unreachable", n, s, failed, unreachable
			if (w != "") printf "; %d not at %s", behind, w
			printf "\n"
			exit (w != "" && behind > 0)
		}'
	;;
_report)
	report_one "$@"
	;;
_trigger)
	trigger_one "$@"
	;;
*)
	usage
	;;
esac
