#!/usr/bin/env bash
# secagentctl on a state directory: every command, --json, the refusals,
# exit status and the write-only password.
. "$(dirname "$0")/../lib.sh"

mkca root
mkca sub root
mkleaf good sub
D="$T/state"
ctl() { "$CTL" -d "$D" --factory-bundle "$FACTORY" "$@"; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

# Without --factory-bundle the factory set is the seed's roots that
# Debian's ca-certificates still ships (which, and until when, changes
# with the package and the day): on any day each is in CA while valid,
# and in Invalid with reason expired once its notAfter has passed.
BUNDLE=/etc/ssl/certs/ca-certificates.crt
if [ -f "$BUNDLE" ]; then
	# "fingerprint notAfter-epoch" of each seed root in the bundle
	seeds=$(/usr/bin/python3 - "$BUNDLE" <<'PY'
import calendar, hashlib, re, sys
pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                  open(sys.argv[1]).read(), re.S)
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
for p in pems:
    c = x509.load_pem_x509_certificate(p.encode())
    cn = [a.value for a in c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    o = [a.value for a in c.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    cn = cn[0] if cn else ""
    if (cn in ("DigiCert Assured ID Root CA", "Entrust Root Certification Authority")
            or cn.startswith("GeoTrust Primary Certification Authority")
            or any("VeriSign" in x for x in o)):
        der = c.public_bytes(Encoding.DER)
        print(hashlib.sha256(der).hexdigest(), calendar.timegm(c.not_valid_after.utctimetuple()))
PY
)
	got=$("$CTL" -d "$T/debian" list --json | json 'print("\n".join("%s %s %s %s" % (e["fingerprint"], e["list"], e["origin"], e.get("reason") or "-") for e in d))')
	now=$(test_now) bad="" n=0
	while read -r f end; do
		[ -n "$f" ] || continue
		n=$((n + 1))
		if [ "$end" -gt "$now" ]; then want="$f ca factory -"; else want="$f invalid factory expired"; fi
		grep -qx "$want" <<<"$got" || bad="$bad [$want]"
	done <<<"$seeds"
	if [ "$n" -eq 0 ]; then
		expect "no seed root in ca-certificates: a new directory's CA list is empty" "" \
			"$(grep ' ca ' <<<"$got")"
	else
		expect "a new directory holds Debian's $n seed root(s): in CA while valid, in Invalid (expired) after" "" "$bad"
	fi
	expect "and nothing else" "$n" "$(grep -c . <<<"$got")"
else
	skip "the seed's roots: Debian's ca-certificates bundle is not installed"
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
