#!/usr/bin/env bash
# secagentctl on a state directory: every command, --json, the refusals,
# exit status and the write-only password.
. "$(dirname "$0")/../lib.sh"

mkca root
mkca sub root
mkleaf good sub
D="$T/state"
ctl() { "$CTL" -d "$D" "$@"; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

# the default factory set comes from Debian's ca-certificates
if [ -f /etc/ssl/certs/ca-certificates.crt ] &&
   grep -q . <(openssl crl2pkcs7 -nocrl -certfile /etc/ssl/certs/ca-certificates.crt 2>/dev/null |
	openssl pkcs7 -print_certs -noout 2>/dev/null | grep 'CN = DigiCert Assured ID Root CA$'); then
	out=$(ctl list ca --json | json 'print(len([e for e in d if e["origin"]=="factory" and "DigiCert Assured ID Root CA" in e["subject"]]))')
	expect "a new state directory holds the seed's DigiCert root from ca-certificates" 1 "$out"
else
	skip "the seed's roots: Debian's ca-certificates bundle is not installed"
	ctl list >/dev/null
fi
out=$(ctl list --json | json 'e=d[0] if d else {}; print(all(k in e for k in ("list","fingerprint","subject","issuer","not-after","status","rejected","reason")))')
expect "list --json carries list, fingerprint, subject, issuer, not-after, status, rejected, reason" True "$out"

n0=$(ctl list --json | json 'print(len(d))')
printf 'garbage\n' >"$T/garbage.txt"
err=$(ctl import "$T/root.pem" "$T/garbage.txt" 2>&1 >/dev/null); rc=$?
n1=$(ctl list --json | json 'print(len(d))')
[ "$rc" = 1 ] && [ "$n0" = "$n1" ] && [ "$(echo "$err" | wc -l)" = 1 ] &&
	ok "a garbage file: exit 1, one line on stderr, nothing imported ($err)" ||
	not_ok "garbage import: rc=$rc before=$n0 after=$n1 err=$err"

cat "$T/good.pem" "$T/sub.pem" >"$T/bundle.pem"
out=$(ctl import "$T/root.pem" "$T/bundle.pem")
lists=$(echo "$out" | awk '{print $2}' | sort | tr '\n' ' ')
expect "import of a root and a bundle: each to its list" "ca ca server " "$lists"
openssl x509 -in "$T/good.pem" -outform DER -out "$T/good.der"
out=$(ctl import "$T/good.der")
case "$out" in *"already there"*) ok "a DER file is read; importing again changes nothing" ;;
*) not_ok "DER import again: $out" ;; esac
mkca extra
openssl x509 -in "$T/extra.pem" -outform DER | ctl import - >/dev/null
out=$(ctl show "$(fp "$T/extra.pem")" | grep '^list:' | awk '{print $2}')
expect "import from standard input" ca "$out"

g=$(fp "$T/good.pem")
out=$(ctl show "${g:0:10}" | grep '^list:' | awk '{print $2}')
expect "show by a fingerprint prefix" server "$out"
out=$(ctl show "$g" --json | json 'print(d["is-ca"], d["public-key-algorithm"], "DNS:localhost" in d["subject-alt-names"], d["pem"].startswith("-----BEGIN CERTIFICATE-----"))')
expect "show --json has the details" "False EC True True" "$out"
err=$(ctl show 0000000000 2>&1); rc=$?
expect "show of an unknown fingerprint fails" 1 "$rc"

expect "accept-all is off by default" false "$(ctl get accept-all-certificates)"
check "set accept-all-certificates true" ctl set accept-all-certificates true
expect "get prints the value alone" true "$(ctl get accept-all-certificates)"
ctl set accept-all-certificates maybe 2>/dev/null; rc=$?
expect "a bad boolean is refused" 1 "$rc"
expect "and changes nothing" true "$(ctl get accept-all-certificates)"

u74=$(printf 'u%.0s' $(seq 74)); u75=$(printf 'v%.0s' $(seq 75))
check "a username of 74 characters" ctl set http-username "$u74"
err=$(ctl set http-username "$u75" 2>&1); rc=$?
expect "a username of 75 characters is refused" "1/$u74" "$rc/$(ctl get http-username)"
echo "pass-from-stdin" | ctl set http-password -
check "the password is set from standard input (kept in the 0600 state file)" \
	grep -q pass-from-stdin "$D/store.snap"
err=$(ctl get http-password 2>&1); rc=$?
expect "the password cannot be read" 1 "$rc"
all=$(ctl list --json; ctl show "$g"; ctl get http-username; ctl list)
case "$all" in *pass-from-stdin*) not_ok "the password appears in output" ;;
*) ok "no command prints the password" ;; esac
out=$(stat -c %a "$D/store.snap")
expect "the file holding the password is mode 0600" 600 "$out"

check "remove a certificate" ctl remove "$g"
out=$(ctl list server --json | json 'print(len(d))')
expect "it is gone" 0 "$out"
factory=$(ctl list ca --json | json 'print(" ".join(e["fingerprint"] for e in d if e["origin"]=="factory"))')
for f in $factory; do ctl remove "$f" >/dev/null; done
check "restore-defaults" ctl restore-defaults
out=$(ctl list ca --json | json 'print(" ".join(e["fingerprint"] for e in d if e["origin"]=="factory"))')
expect "restore-defaults puts the factory certificates back" "$factory" "$out"

err=$(ctl frobnicate 2>&1); rc=$?
expect "an unknown command exits 1" 1 "$rc"
err=$(ctl accept "$(fp "$T/root.pem")" 2>&1); rc=$?
case "$rc/$err" in 1/*"only Invalid"*) ok "accept of a CA entry is refused: $err" ;;
*) not_ok "accept of a CA entry: $rc $err" ;; esac
finish
