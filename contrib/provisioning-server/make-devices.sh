#!/bin/sh
# make-devices.sh [--only IDS] DEVICES TEMPLATE PROV_DIR - the per-device
# part of the provisioning server of lighttpd.conf:
#   PROV_DIR/www/ID.xml     TEMPLATE with every {device} replaced by ID
#   PROV_DIR/htdigest       ID:secagent:md5(ID:secagent:PASSWORD), mode 0640
#   PROV_DIR/devices.conf   /ID.xml readable by the digest user ID only
# DEVICES has one device a line: "ID PASSWORD" (ID: 1 to 64 of A-Za-z0-9._-,
# by default the device's MAC address, 12 lowercase hex digits; PASSWORD:
# the digest password set on that device, at most 74 characters, no
# blanks).  Lines starting with # are skipped.  Files are replaced whole,
# each by a rename, so a device never fetches half of one.
# --only IDS: the files of the devices listed in IDS (one id a line, e.g.
# from "rollout.sh wave") only, the others' stay as they are: a rollout
# wave.  htdigest and devices.conf are always written for all of DEVICES.
set -eu
only=
if [ "${1:-}" = --only ]; then
	[ $# -ge 2 ] || { echo "usage: $0 [--only IDS] DEVICES TEMPLATE PROV_DIR" >&2; exit 2; }
	only=$2
	shift 2
	[ -r "$only" ] || { echo "$0: cannot read $only" >&2; exit 1; }
fi
[ $# -eq 3 ] || { echo "usage: $0 [--only IDS] DEVICES TEMPLATE PROV_DIR" >&2; exit 2; }
devices=$1 template=$2 dir=$3
realm=secagent
mkdir -p "$dir/www"
umask 027	# htdigest: chgrp it to lighttpd's group (Debian: www-data)
: >"$dir/htdigest.new"
printf '# written by make-devices.sh from %s\nauth.require = (\n' "$devices" >"$dir/devices.conf.new"
n=0 files=0
while read -r id password rest; do
	case "$id" in '' | '#'*) continue ;; esac
	if ! printf '%s' "$id" | grep -Eq '^[A-Za-z0-9._-]{1,64}$' ||
	   [ -z "$password" ] || [ -n "$rest" ] || [ ${#password} -gt 74 ]; then
		echo "$0: $devices: bad line for \"$id\"" >&2
		exit 1
	fi
	if [ -z "$only" ] || grep -qxF "$id" "$only"; then
		sed "s/{device}/$id/g" "$template" >"$dir/www/$id.xml.new"
		chmod 0644 "$dir/www/$id.xml.new"
		mv "$dir/www/$id.xml.new" "$dir/www/$id.xml"
		files=$((files + 1))
	fi
	printf '%s:%s:%s\n' "$id" "$realm" \
		"$(printf '%s:%s:%s' "$id" "$realm" "$password" | md5sum | cut -d' ' -f1)" \
		>>"$dir/htdigest.new"
	printf '  "/%s.xml" => ("method" => "digest", "realm" => "%s", "require" => "user=%s"),\n' \
		"$id" "$realm" "$id" >>"$dir/devices.conf.new"
	n=$((n + 1))
done <"$devices"
# anything else: no device's file, but still nothing without credentials
printf '  "/" => ("method" => "digest", "realm" => "%s", "require" => "valid-user"),\n)\n' \
	"$realm" >>"$dir/devices.conf.new"
chmod 0644 "$dir/devices.conf.new"
mv "$dir/htdigest.new" "$dir/htdigest"
mv "$dir/devices.conf.new" "$dir/devices.conf"
echo "$n devices in $dir, $files files written"
