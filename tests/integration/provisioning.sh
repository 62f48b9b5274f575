#!/usr/bin/env bash
# The provisioning client against lighttpd on 127.0.0.1 (TLS, HTTP digest
# authentication), driven by "secagentctl provision" on a state directory:
# the certificate policy on real connections, the digest credentials, the
# refusals that change nothing, redirects, and export-provisioning.
. "$(dirname "$0")/../lib.sh"

if ! command -v lighttpd >/dev/null || [ ! -f /usr/lib/lighttpd/mod_openssl.so ]; then
	skip "provisioning: lighttpd with mod_openssl is not installed"
	finish
fi

USER_NAME=7C2F80C6E5C2
PASSWORD='prov-secret'
REALM=secagent

mkca root
mkca sub root
mkleaf good sub
cat "$T/good.pem" "$T/sub.pem" >"$T/good-chain.pem"
mkca rogue
mkleaf evil rogue
mkca fleet1
mkca fleet2
mkca fleet3
D="$T/state"
ctl() { "$CTL" -d "$D" --factory-bundle "$T/root.pem" "$@"; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
# where FP: the list a certificate is in and its origin, or "none"
where() { ctl list --json | json "e=[x for x in d if x['fingerprint']=='$1']; print(e[0]['list']+'/'+e[0]['origin'] if e else 'none')"; }
# the whole state but the password, to show that nothing changed
snapshot() { { ctl list --json; ctl get http-username; ctl get accept-all-certificates; } 2>&1; }

printf '%s:%s:%s\n' "$USER_NAME" "$REALM" \
	"$(printf '%s:%s:%s' "$USER_NAME" "$REALM" "$PASSWORD" | md5sum | cut -d' ' -f1)" >"$T/htdigest"

# lt NAME PORT CERT KEY DOCROOT AUTH-PATH [EXTRA]: lighttpd with TLS on
# 127.0.0.1:PORT, digest authentication under AUTH-PATH, an access log
# that shows the Authorization header of each request.
lt() {
	local name=$1 port=$2 cert=$3 key=$4 root=$5 auth=$6 extra=${7:-}
	cat >"$T/$name.conf" <<EOF
server.modules = ("mod_openssl", "mod_auth", "mod_authn_file", "mod_redirect", "mod_accesslog")
server.document-root = "$root"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/$name.error.log"
accesslog.filename = "$T/$name.access.log"
accesslog.format = "%r %>s auth=[%{Authorization}i]"
ssl.engine = "enable"
ssl.pemfile = "$cert"
ssl.privkey = "$key"
mimetype.assign = (".xml" => "application/xml")
auth.backend = "htdigest"
auth.backend.htdigest.userfile = "$T/htdigest"
auth.require = ("$auth" => ("method" => "digest", "realm" => "$REALM", "require" => "valid-user"))
$extra
EOF
	bg lighttpd -D -f "$T/$name.conf" 2>>"$T/$name.error.log"
	eval "pid_$name=$!"
	wait_port "$port"
}

# access_log NAME: lighttpd buffers its access log; SIGHUP writes it out
access_log() {
	local pid i
	eval "pid=\$pid_$1"
	kill -HUP "$pid"
	for ((i = 0; i < 20; i++)); do
		[ -s "$T/$1.access.log" ] && break
		sleep 0.1
	done
	sleep 0.2
	cat "$T/$1.access.log"
}

pa=$(free_port)
pb=$(free_port)
pc=$(free_port)
pd=$(free_port)
mkdir -p "$T/www" "$T/wwwc/auth" "$T/wwwc/open" "$T/wwwc/basic"
# A: the provisioning server, a certificate chaining to the factory root
lt a "$pa" "$T/good-chain.pem" "$T/good.key" "$T/www" "/" \
	"url.redirect = (\"^/moved\$\" => \"/p1.xml\", \"^/away-auth\$\" => \"https://localhost:$pc/auth/p.xml\", \"^/away-open\$\" => \"https://localhost:$pc/open/p.xml\", \"^/to-http\$\" => \"http://localhost:$pc/open/p.xml\")
url.redirect-code = 302
\$SERVER[\"socket\"] == \"127.0.0.1:$pd\" { ssl.engine = \"disable\" }" ||
	not_ok "lighttpd A does not start: $(tail -3 "$T/a.error.log")"
# B: the same files behind a certificate of an unknown CA
lt b "$pb" "$T/evil.pem" "$T/evil.key" "$T/www" "/" ||
	not_ok "lighttpd B does not start: $(tail -3 "$T/b.error.log")"
# C: another host name (localhost), a redirect target; Basic on /basic/
lt c "$pc" "$T/good-chain.pem" "$T/good.key" "$T/wwwc" "/auth/" \
	"\$HTTP[\"url\"] =~ \"^/basic/\" { auth.require = (\"\" => (\"method\" => \"basic\", \"realm\" => \"$REALM\", \"require\" => \"valid-user\")) }" ||
	not_ok "lighttpd C does not start: $(tail -3 "$T/c.error.log")"

# pfile FILE BODY...: a provisioning file with the parameters and elements given
pfile() {
	local f=$1; shift
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<provisioning version="1.1" productID="e2">'
		printf '%s\n' "$@"
		echo '</provisioning>'
	} >"$f"
}
param() { printf '<param name="%s" value="%s"/>' "$1" "$2"; }
add() { printf '<certificates><add>\n%s\n</add></certificates>' "$(cat "$1")"; }
P_ACCEPT=SystemSettings.global.Security_Certificates_AcceptAllCertificates
P_USER=Security.global.HTTPAuthUsername

pfile "$T/www/p1.xml" "<nvm>$(param $P_ACCEPT 0)$(param $P_USER $USER_NAME)$(param SIP.Account.0.AuthName 1012)</nvm>" "$(add "$T/fleet1.pem")"
pfile "$T/www/p2.xml" "$(add "$T/fleet2.pem")"
pfile "$T/www/p3.xml" "<nvm>$(param $P_ACCEPT 1)</nvm>" "$(add "$T/fleet3.pem")"
cp "$T/www/p2.xml" "$T/wwwc/auth/p.xml"
cp "$T/www/p2.xml" "$T/wwwc/open/p.xml"
cp "$T/www/p2.xml" "$T/wwwc/basic/p.xml"

ctl set http-username "$USER_NAME" >/dev/null
printf '%s\n' "$PASSWORD" | ctl set http-password - >/dev/null
prov() { ctl set provisioning-url "$1" >/dev/null && ctl provision; }
fleet1=$(fp "$T/fleet1.pem")
fleet2=$(fp "$T/fleet2.pem")
fleet3=$(fp "$T/fleet3.pem")
evil=$(fp "$T/evil.pem")

# ---- the certificate policy on the provisioning connection ----
out=$(prov "https://127.0.0.1:$pa/p1.xml" 2>&1); rc=$?
expect "a server chaining to a trusted CA: the file is applied" \
	"0/ca/provisioned" "$rc/$(where "$fleet1")"
case "$out" in
*"1 unknown parameters"*) ok "the parameters the agent does not own are counted ($out)" ;;
*) not_ok "unknown parameters: $out" ;;
esac

out=$(prov "https://127.0.0.1:$pb/p2.xml" 2>&1); rc=$?
case "$rc/$out" in
1/*"127.0.0.1:$pb"*unknown-issuer*) ok "an unknown CA: the fetch fails with the peer and the reason" ;;
*) not_ok "an unknown CA: rc=$rc $out" ;;
esac
expect "an unknown CA: nothing applied" none "$(where "$fleet2")"
peer=$(ctl list invalid --json | json "e=[x for x in d if x['fingerprint']=='$evil']; print(e[0]['peer']+'/'+e[0]['reason'] if e else 'none')")
expect "the server's certificate is in Invalid with the peer" "127.0.0.1:$pb/unknown-issuer" "$peer"

ctl accept "$evil" >/dev/null
out=$(ctl provision 2>&1); rc=$?
expect "after accept the very next fetch applies" "0/ca/provisioned" "$rc/$(where "$fleet2")"

ctl remove "$evil" >/dev/null
ctl remove "$fleet2" >/dev/null
ctl provision >/dev/null 2>&1
ctl reject "$evil" >/dev/null
out=$(ctl provision 2>&1); rc=$?
case "$rc/$out" in
1/*"refused: rejected"*) ok "after reject the next fetch is refused at once: rejected" ;;
*) not_ok "after reject: rc=$rc $out" ;;
esac
expect "a rejected server: nothing applied" none "$(where "$fleet2")"

ctl set accept-all-certificates true >/dev/null
out=$(ctl provision 2>&1); rc=$?
expect "accept-all still refuses a rejected certificate" "1/none" "$rc/$(where "$fleet2")"
ctl remove "$evil" >/dev/null
out=$(ctl provision 2>&1); rc=$?
expect "accept-all: a server of an unknown CA is accepted, the file applied" \
	"0/ca/provisioned/none" "$rc/$(where "$fleet2")/$(where "$evil")"
ctl set accept-all-certificates false >/dev/null

# ---- HTTP digest authentication ----
log=$(access_log a)
echo "$log" | grep -q "GET /p1.xml HTTP/[0-9.]* 200 auth=\[Digest username=.*$USER_NAME" &&
	! echo "$log" | grep -q 'auth=\[Basic' &&
	ok "the server saw digest credentials, never Basic" ||
	not_ok "digest credentials: $(echo "$log" | grep p1.xml | tail -2)"

before=$(snapshot)
printf 'wrong\n' | ctl set http-password - >/dev/null
out=$(prov "https://127.0.0.1:$pa/p3.xml" 2>&1); rc=$?
case "$rc/$out" in
1/*"authentication failed"*) ok "a wrong password: an authentication failure ($out)" ;;
*) not_ok "a wrong password: rc=$rc $out" ;;
esac
expect "a wrong password: nothing applied" "$before" "$(snapshot)"
printf '%s\n' "$PASSWORD" | ctl set http-password - >/dev/null

ctl remove "$fleet2" >/dev/null
out=$(prov "http://127.0.0.1:$pd/p2.xml" 2>&1); rc=$?
expect "plain http with digest authentication: applied" "0/ca/provisioned" \
	"$rc/$(where "$fleet2")"

# ---- files that are refused whole ----
# refused NAME FILE WORDS: fetched from A, refused with WORDS, nothing changed
refused() {
	local name=$1 file=$2 words=$3 before out rc
	before=$(snapshot)
	out=$(prov "https://127.0.0.1:$pa/$file" 2>&1); rc=$?
	case "$rc/$out" in
	1/*"$words"*) ;;
	*) not_ok "$name: rc=$rc $out"; return ;;
	esac
	if [ "$before" = "$(snapshot)" ]; then
		ok "$name: refused, nothing applied ($out)"
	else
		not_ok "$name: something changed"
	fi
}
pfile "$T/www/malformed.xml" "<nvm>$(param $P_ACCEPT 1)" "$(add "$T/fleet3.pem")"
refused "malformed XML" malformed.xml "malformed XML"
pfile "$T/www/badvalue.xml" "<nvm>$(param $P_ACCEPT 1)$(param $P_USER "$(printf 'u%.0s' $(seq 75))")</nvm>" "$(add "$T/fleet3.pem")"
refused "a 75-character username" badvalue.xml "at most 74"
pfile "$T/www/badbool.xml" "<nvm>$(param $P_ACCEPT 2)</nvm>" "$(add "$T/fleet3.pem")"
refused "accept-all 2" badbool.xml "is not true, false, 1 or 0"
head -c 10000000 /dev/zero | tr '\0' ' ' >"$T/www/big.xml"
refused "a 10 MB file" big.xml "larger than 1048576 bytes"
# billion laughs: 16^5 times 50 bytes if it were ever expanded
cat >"$T/www/bomb.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE provisioning [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<provisioning version="1.1"><nvm><param name="$P_USER" value="&f;"/></nvm></provisioning>
EOF
refused "an entity bomb" bomb.xml "DOCTYPE"
refused "a file that is not there" missing.xml "HTTP 404"

# ---- redirects ----
ctl remove "$fleet1" >/dev/null
out=$(prov "https://127.0.0.1:$pa/moved" 2>&1); rc=$?
expect "a redirect on the same server keeps the credentials: applied" \
	"0/ca/provisioned" "$rc/$(where "$fleet1")"
ctl remove "$fleet2" >/dev/null
out=$(prov "https://127.0.0.1:$pa/away-auth" 2>&1); rc=$?
case "$rc/$(where "$fleet2")/$out" in
1/none/*"authentication failed"*"localhost:$pc"*) ok "a redirect to another host that asks for credentials: they are not sent ($out)" ;;
*) not_ok "redirect to another host with auth: rc=$rc $out" ;;
esac
out=$(prov "https://127.0.0.1:$pa/away-open" 2>&1); rc=$?
expect "a redirect to another host without authentication: applied" \
	"0/ca/provisioned" "$rc/$(where "$fleet2")"
ctl remove "$fleet2" >/dev/null
out=$(prov "https://localhost:$pc/basic/p.xml" 2>&1); rc=$?
case "$rc/$out" in
1/*"no HTTP digest"*) ok "a server that asks for Basic gets nothing ($out)" ;;
*) not_ok "Basic only: rc=$rc $out" ;;
esac
log=$(access_log c)
if echo "$log" | grep -q 'GET /auth/p.xml' && echo "$log" | grep -q 'GET /open/p.xml' &&
   echo "$log" | grep -q 'GET /basic/p.xml' && ! echo "$log" | grep -v 'auth=\[-\]' | grep -q 'GET '; then
	ok "the other host never saw an Authorization header"
else
	not_ok "the other host: $(echo "$log" | head -5)"
fi
out=$(prov "https://127.0.0.1:$pa/to-http" 2>&1); rc=$?
case "$rc/$out" in
1/*"from https to http"*) ok "a redirect from https to http is refused" ;;
*) not_ok "https to http: rc=$rc $out" ;;
esac

# ---- export-provisioning: the template, read back by another device ----
ctl export-provisioning >"$T/www/export.xml"; rc=$?
if [ "$rc" = 0 ] && ! grep -q "$PASSWORD" "$T/www/export.xml" &&
   grep -q "<param name=\"$P_USER\" value=\"$USER_NAME\"/>" "$T/www/export.xml" &&
   grep -q 'Security.global.HTTPAuthPassword.*never exported' "$T/www/export.xml"; then
	ok "export-provisioning: the settings, the password left out with a note"
else
	not_ok "export-provisioning: rc=$rc $(head -c 600 "$T/www/export.xml")"
fi
D2="$T/state2"
ctl2() { "$CTL" -d "$D2" --factory-bundle "$T/root.pem" "$@"; }
ctl2 set http-username "$USER_NAME" >/dev/null
printf '%s\n' "$PASSWORD" | ctl2 set http-password - >/dev/null
ctl2 set provisioning-url "https://127.0.0.1:$pa/export.xml" >/dev/null
out=$(ctl2 provision 2>&1); rc=$?
n=$(ctl2 list ca --json | json "print(len([x for x in d if x['fingerprint'] in ('$fleet1','$fleet2') and x['origin']=='provisioned']))")
expect "the exported file provisions another device with the same CA certificates" "0/1" "$rc/$n"

# ---- the store's lock: a running daemon provisions, not the CLI ----
flock "$D/lock" sleep 5 &
locker=$!
sleep 0.3
out=$(ctl provision 2>&1); rc=$?
kill "$locker" 2>/dev/null
wait "$locker" 2>/dev/null
case "$rc/$out" in
1/*"in use"*"provision-now"*) ok "provision while another writer holds the store: ask the daemon ($out)" ;;
*) not_ok "provision with the store locked: rc=$rc $out" ;;
esac
finish
