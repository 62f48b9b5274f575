#!/usr/bin/env bash
# The demo profile's passwords are public: every listener it opens is on
# loopback.  Each way of naming another address (wildcards, IPv6 and
# IPv4-mapped forms, numbers inet_aton reads, a name resolving elsewhere,
# Net-SNMP transports and AgentX, the configuration file, snmp/conf) is
# refused with one line naming the option, and nothing listens.
. "$(dirname "$0")/../lib.sh"

D="$T/demo"
P=$(free_port)
SP=$(free_port)
D_ARGS=(-f --demo -d "$D" --ssh none --tls none --snmp none)

# refused NAME EXPECTED-IN-MESSAGE ARGS...: exit 1, one line on stderr
# that names the option and says loopback, and no listener on $P.
refused() {
	local name=$1 want=$2 out rc
	shift 2
	out=$(timeout 20 "$BUILD/secagentd" "${D_ARGS[@]}" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	   [[ "$out" == *"$want"*loopback* ]] &&
	   ! (exec 3<>"/dev/tcp/127.0.0.1/$P") 2>/dev/null &&
	   [ ! -e "$D/secagentd.sock" ]; then
		ok "$name ($out)"
	else
		not_ok "$name: status $rc, stderr: $out"
	fi
}

# the demo's files are made once, at the first start
timeout 60 "$BUILD/secagentd" "${D_ARGS[@]}" --ssh "0.0.0.0:$P" >/dev/null 2>&1
[ -f "$D/secagentd.conf" ] || not_ok "the demo profile was not made in $D"

refused "--ssh 0.0.0.0" "--ssh 0.0.0.0:$P" --ssh "0.0.0.0:$P"
refused "--ssh [::]" "--ssh [::]:$P" --ssh "[::]:$P"
refused "--ssh ::: (:: without brackets)" "--ssh :::$P" --ssh ":::$P"
refused "--ssh an IPv4-mapped wildcard" "::ffff:0.0.0.0 is not" --ssh "[::ffff:0.0.0.0]:$P"
refused "--ssh an IPv4-compatible ::127.0.0.1 (not loopback)" "::127.0.0.1" \
	--ssh "[::127.0.0.1]:$P"
refused "--ssh 0 (inet_aton's 0.0.0.0)" "0 resolves to 0.0.0.0" --ssh "0:$P"
refused "--ssh 10.1 (inet_aton's 10.0.0.1)" "10.1 resolves to 10.0.0.1" --ssh "10.1:$P"
refused "--ssh a routable IPv6 address" "--ssh [2001:db8::1]:$P" --ssh "[2001:db8::1]:$P"
refused "--ssh a port without an address" "--ssh $P" --ssh "$P"
refused "--tls 0.0.0.0" "--tls 0.0.0.0:$P" --tls "0.0.0.0:$P"
refused "--snmp udp:0.0.0.0" "--snmp udp:0.0.0.0:$P" --snmp "udp:0.0.0.0:$P"
refused "--snmp UDP:0.0.0.0 (Net-SNMP reads domains in any case)" "--snmp UDP:0.0.0.0" \
	--snmp "UDP:0.0.0.0:$P"
refused "--snmp udp:PORT (every address)" "--snmp udp:$P" --snmp "udp:$P"
refused "--snmp PORT alone" "--snmp $P" --snmp "$P"
refused "--snmp 0.0.0.0:PORT without a domain" "--snmp 0.0.0.0:$P" --snmp "0.0.0.0:$P"
refused "--snmp udp6:[::]" "--snmp udp6:[::]:$P" --snmp "udp6:[::]:$P"
refused "--snmp udpv6 (an alias of udp6)" "--snmp udpv6:[::]:$P" --snmp "udpv6:[::]:$P"
refused "--snmp tcp:0.0.0.0" "--snmp tcp:0.0.0.0:$P" --snmp "tcp:0.0.0.0:$P"
refused "--snmp a list with one wildcard" "0.0.0.0 is not" \
	--snmp "udp:127.0.0.1:$SP,tcp:0.0.0.0:$P"
refused "--snmp a transport the demo cannot check (tls)" "--snmp tls:127.0.0.1:$P" \
	--snmp "tls:127.0.0.1:$P"
refused "--agentx tcp to another host" "--agentx tcp:192.0.2.1:705" \
	--agentx "tcp:192.0.2.1:705"
refused "--agentx tcp6:[::]" "--agentx tcp6:[::]:705" --agentx "tcp6:[::]:705"
refused "--agentx HOST:PORT without a domain" "--agentx 127.0.0.1:705" \
	--agentx "127.0.0.1:705"

# the demo's own configuration file names a listener
cp "$D/secagentd.conf" "$T/conf.orig"
sed -i "s/^netconf-ssh .*/netconf-ssh 0.0.0.0:$P/" "$D/secagentd.conf"
out=$(timeout 20 "$BUILD/secagentd" -f --demo -d "$D" --tls none --snmp none 2>&1)
rc=$?
if [ "$rc" = 1 ] && [[ "$out" == *"netconf-ssh 0.0.0.0:$P in $D/secagentd.conf"*loopback* ]]; then
	ok "netconf-ssh 0.0.0.0 in the demo's secagentd.conf is refused, naming the file"
else
	not_ok "netconf-ssh 0.0.0.0 in secagentd.conf: status $rc: $out"
fi
cp "$T/conf.orig" "$D/secagentd.conf"

# a name that resolves elsewhere: /etc/hosts replaced in a mount namespace
printf '127.0.0.1 localhost\n192.0.2.7 elsewhere.test\n127.0.0.1 mixed.test\n192.0.2.8 mixed.test\n' \
	>"$T/hosts"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	for name in elsewhere.test mixed.test; do
		out=$(unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' \
			sh "$T/hosts" timeout 20 "$BUILD/secagentd" "${D_ARGS[@]}" \
			--ssh "$name:$P" 2>&1)
		rc=$?
		if [ "$rc" = 1 ] && [[ "$out" == *"--ssh $name:$P"*"$name resolves to 192.0.2."* ]]; then
			ok "--ssh $name, a name resolving (also) to 192.0.2.x, is refused"
		else
			not_ok "--ssh $name: status $rc: $out"
		fi
	done
else
	skip "a name resolving elsewhere: needs root and unshare -m"
fi

# loopback is accepted, a name as the numeric address that was checked
log="$T/d1.log"
bg "$BUILD/secagentd" -f --demo -d "$D" --ssh "localhost:$P" --tls none \
	--snmp "udp6:[::1]:$SP" >"$log" 2>&1
pid=$!
if wait_port "$P" 60 && grep -q "NETCONF over ssh on 127.0.0.1:$P" "$log"; then
	ok "--ssh localhost:PORT listens on 127.0.0.1, the address that was checked"
else
	not_ok "--ssh localhost: $(tail -3 "$log")"
fi
for i in $(seq 100); do grep -q 'secagentd started' "$log" && break; sleep 0.1; done
out=$(snmpget -v2c -c public -t 2 -r 1 -Oqv "udp6:[::1]:$SP" 1.3.6.1.2.1.1.5.0 2>&1)
if [ $? = 0 ]; then
	ok "--snmp udp6:[::1]:PORT answers on ::1"
else
	not_ok "--snmp udp6:[::1]: $out"
fi
kill "$pid"; wait "$pid" 2>/dev/null

# Net-SNMP's own configuration may not open another listener
mkdir -p "$D/snmp/conf"
for line in "agentaddress udp:0.0.0.0:$P" "master agentx"; do
	echo "$line" >"$D/snmp/conf/secagentd.conf"
	out=$(timeout 30 "$BUILD/secagentd" "${D_ARGS[@]}" --snmp "udp:127.0.0.1:$SP" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && [[ "$out" == *"snmp/conf: ${line%% *}"*"refused"*loopback* ]]; then
		ok "\"$line\" in DIR/snmp/conf is refused in the demo profile"
	else
		not_ok "\"$line\" in snmp/conf: status $rc: $(echo "$out" | tail -2)"
	fi
done
rm -f "$D/snmp/conf/secagentd.conf"
finish
