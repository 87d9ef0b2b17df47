#!/bin/sh
# Installs the Debian 12 packages the build, the tests and the demo need.
# Idempotent: does nothing when everything is already there.
set -eu
PKGS="build-essential cmake pkg-config clang libcurl4-openssl-dev libjansson-dev \
libsqlite3-dev libssl-dev libcmocka-dev libmicrohttpd-dev jq openssl time"
PKGS="$PKGS libclang-rt-14-dev valgrind cppcheck clang-tidy" # make fuzz, valgrind, lint
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
