# tests/snmplib.sh - sourced by the SNMP tests of tests/integration, after
# tests/lib.sh: secagentd with an SNMP front end, a real snmpd as AgentX
# master, snmptrapd, and net-snmp's command-line tools, all on loopback.
#
# MIBs by name: the IETF modules come from $SECAGENT_IETF_MIBS, then
# ../shared/mibs/ietf beside the checkout, then the system MIB directories;
# without them $MIBS_OK is 0 and the by-name cases skip.
DAEMON="$BUILD/secagentd"
ROOT=.1.3.6.1.4.1.32473.1
CA_E=$ROOT.1.1.2.1 SRV_E=$ROOT.1.1.3.1 INV_E=$ROOT.1.1.4.1
DEMO_PW=secagent-demo

# the tools read no configuration of this machine and keep their state here
export SNMPCONFPATH="$T/snmp-tools" SNMP_PERSISTENT_DIR="$T/snmp-tools"
export MIBS=	# no MIB module unless a command names it (-m)
mkdir -p "$SNMPCONFPATH"

ietf_mibs() {
	local d
	for d in "${SECAGENT_IETF_MIBS:-}" "$SRC/../shared/mibs/ietf" \
	    /usr/share/snmp/mibs/ietf /usr/share/snmp/mibs /usr/share/mibs/ietf; do
		[ -n "$d" ] && [ -f "$d/SNMPv2-TC.txt" ] && [ -f "$d/SNMP-FRAMEWORK-MIB.txt" ] &&
			{ (cd "$d" && pwd); return 0; }
	done
	return 1
}
if IETF=$(ietf_mibs); then
	MIBS_OK=1
	# no "+": Debian lacks most of Net-SNMP's default modules
	MIBOPT=(-M "+$IETF:$SRC/mibs" -m SECAGENT-SECURITY-MIB:SNMPv2-MIB:SNMP-FRAMEWORK-MIB)
else
	MIBS_OK=0
	MIBOPT=(-M "$SRC/mibs" -m "")
fi

# need_mibs NAME: skip NAME (and return 1) when the MIBs cannot be read by name
need_mibs() {
	[ "$MIBS_OK" = 1 ] && return 0
	skip "$1: no IETF MIB modules (set SECAGENT_IETF_MIBS)"
	return 1
}

# tools: v2c public, v3 admin (rw, SHA-256/AES), v3 viewer (ro, SHA-512/AES-256)
AGENT=""	# udp:127.0.0.1:PORT of whoever answers SNMP
V2=(-v2c -c public -t 2 -r 1)
V3RW=(-v3 -u admin -l authPriv -a SHA-256 -A "$DEMO_PW" -x AES -X "$DEMO_PW" -t 3 -r 1)
V3RO=(-v3 -u viewer -l authPriv -a SHA-512 -A viewer-secret -x AES-256 -X viewer-secret -t 2 -r 1)
sget() { snmpget "${MIBOPT[@]}" "$@"; }
sset() { snmpset "${MIBOPT[@]}" -Ir "$@"; }	# -Ir: the agent checks, not the tool
swalk() { snmpwalk "${MIBOPT[@]}" "$@"; }
sbulk() { snmpbulkwalk "${MIBOPT[@]}" "$@"; }

# fp_index HEX: the row index of a fingerprint, ".b1.b2...b32"
fp_index() {
	local h=$1 i out=""
	for ((i = 0; i < 64; i += 2)); do
		out+=$(printf '.%d' "0x${h:i:2}")
	done
	printf '%s' "$out"
}

# der_hex FILE.pem: the DER as one line of hex digits (snmpset type x)
der_hex() { openssl x509 -in "$1" -outform DER | od -An -v -tx1 | tr -d ' \n'; }

# snmp_error OUTPUT: the error-status name net-snmp printed ("" when none)
snmp_error() { sed -n 's/^Reason: (\{0,1\}\([a-zA-Z]*\).*/\1/p' <<<"$1" | head -1; }

# expect_error NAME STATUS COMMAND...: the command fails with that status
expect_error() {
	local name=$1 want=$2 out got; shift 2
	out=$("$@" 2>&1)
	got=$(snmp_error "$out")
	if [ "$got" = "$want" ]; then ok "$name"; else
		not_ok "$name: expected $want, got '${got:-$(tail -1 <<<"$out")}'"; fi
}

# write_conf FILE LINES...: secagentd's configuration for a test
write_conf() {
	local f=$1; shift
	printf '%s\n' "log stderr info" "user admin group admin uid 0" \
		"snmp-community public" \
		"snmp-user admin rw SHA-256 $DEMO_PW AES $DEMO_PW" \
		"snmp-user viewer ro SHA-512 viewer-secret AES-256 viewer-secret" \
		"$@" >"$f"
}

# start_daemon DIR CONF [ARGS...]: secagentd in the foreground; pid in $DPID
start_daemon() {
	local dir=$1 conf=$2 i; shift 2
	mkdir -p "$dir"
	: >>"$dir/daemon.log"
	case " $* " in *" --factory-bundle "*) ;; *) set -- --factory-bundle "$FACTORY" "$@" ;; esac
	bg "$DAEMON" -f -d "$dir" -c "$conf" "$@" >>"$dir/daemon.log" 2>&1
	DPID=$!
	for ((i = 0; i < 150; i++)); do
		grep -q "secagentd started" "$dir/daemon.log" && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	diag "secagentd did not start: $(tail -3 "$dir/daemon.log" | tr '\n' ' ')"
	return 1
}

stop_daemon() {
	local i
	kill "$DPID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$DPID" 2>/dev/null || { wait "$DPID" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -9 "$DPID" 2>/dev/null
	return 1
}

# alive NAME: the case "NAME: the daemon still runs"
alive() {
	if kill -0 "$DPID" 2>/dev/null; then ok "$1: secagentd still runs"
	else not_ok "$1: secagentd died: $(tail -3 "$D/daemon.log" | tr '\n' ' ')"; fi
}

# wait_snmp OID [SECONDS]: until the agent answers OID, bounded
wait_snmp() {
	local i
	for ((i = 0; i < ${2:-10} * 5; i++)); do
		snmpget "${V2[@]}" -t 0.2 -r 0 -Oqv "$AGENT" "$1" 2>/dev/null |
			grep -qv "^No Such" && return 0
		sleep 0.2
	done
	return 1
}

# start_snmpd DIR PORT AXPORT [TRAPPORT]: a real snmpd, AgentX master on
# tcp:127.0.0.1:AXPORT, with its own configuration and persistent state.
start_snmpd() {
	local dir=$1 port=$2 ax=$3 tport=${4:-} i
	mkdir -p "$dir/persist"
	{
		echo "agentaddress udp:127.0.0.1:$port"
		echo "master agentx"
		echo "agentXSocket tcp:127.0.0.1:$ax"
		echo "agentXTimeout 5"
		echo "rocommunity public 127.0.0.1"
		echo "createUser admin SHA-256 $DEMO_PW AES $DEMO_PW"
		echo "createUser viewer SHA-512 viewer-secret AES-256 viewer-secret"
		echo "rwuser admin priv"
		echo "rouser viewer priv"
		echo "[snmp] persistentDir $dir/persist"
		[ -n "$tport" ] && echo "trap2sink udp:127.0.0.1:$tport public"
	} >"$dir/snmpd.conf"
	# MIBS=: snmpd would log every module Debian does not ship
	MIBS= bg snmpd -f -Lf "$dir/snmpd.log" -C -c "$dir/snmpd.conf" -I -smux \
		-p "$dir/snmpd.pid"
	SNMPD_PID=$!
	for ((i = 0; i < 50; i++)); do
		snmpget -v2c -c public -t 0.2 -r 0 127.0.0.1:"$port" .1.3.6.1.2.1.1.3.0 \
			>/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# start_trapd DIR PORT: snmptrapd writing each notification on one line of
# DIR/traps.log, numeric OIDs; v2c community public, v3 user admin.
start_trapd() {
	local dir=$1 port=$2 i
	mkdir -p "$dir"
	{
		echo "authCommunity log public"
		echo "createUser admin SHA-256 $DEMO_PW AES $DEMO_PW"
		echo "authUser log admin priv"
		echo "[snmp] persistentDir $dir"
	} >"$dir/snmptrapd.conf"
	MIBS= bg snmptrapd -f -C -c "$dir/snmptrapd.conf" -On -Lf "$dir/traps.log" \
		udp:127.0.0.1:"$port"
	for ((i = 0; i < 50; i++)); do
		grep -q "NET-SNMP version" "$dir/traps.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# mkdated NAME ISSUER START END: a server certificate signed by ISSUER and
# valid from START to END (YYYYMMDDHHMMSSZ), made with "openssl ca".
mkdated() {
	local name=$1 issuer=$2 start=$3 end=$4 d="$T/ca-$1"
	mkdir -p "$d"
	: >"$d/index.txt"
	echo 01 >"$d/serial"
	printf '%s\n' "[ca]" "default_ca = c" "[c]" "database = $d/index.txt" \
		"serial = $d/serial" "new_certs_dir = $d" "default_md = sha256" \
		"policy = p" "unique_subject = no" "[p]" "commonName = supplied" \
		"[ext]" "basicConstraints = CA:FALSE" \
		"keyUsage = critical,digitalSignature" \
		"subjectAltName = DNS:localhost,IP:127.0.0.1" >"$d/ca.cnf"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/$name.key" -subj "/CN=$name" -out "$T/$name.csr" 2>/dev/null
	openssl ca -batch -config "$d/ca.cnf" -cert "$T/$issuer.pem" \
		-keyfile "$T/$issuer.key" -startdate "$start" -enddate "$end" \
		-extensions ext -notext -in "$T/$name.csr" -out "$T/$name.pem" \
		>/dev/null 2>&1
}

# utc_in SECONDS: the time that many seconds from now on the tests' clock,
# as mkdated takes it
utc_in() { date -u -d "@$(($(test_now) + $1))" +%Y%m%d%H%M%SZ; }

# trap_records FILE: one line per notification snmptrapd logged (it breaks
# long values over lines), blanks squeezed
trap_records() {
	awk '/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] /{ if (r != "") print r; r = $0; next }
		{ r = r " " $0 } END { if (r != "") print r }' "$1" 2>/dev/null | tr -s ' \t' '  '
}

# wait_trap FILE PATTERN [SECONDS]: until a notification matching PATTERN
wait_trap() {
	local i
	for ((i = 0; i < ${3:-10} * 10; i++)); do
		trap_records "$1" | grep -q -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
