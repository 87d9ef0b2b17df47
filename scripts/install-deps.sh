#!/bin/sh
# Installs the Debian 12 packages the build, the tests and the demo need.
# Idempotent: does nothing when everything is already there.
set -eu
PKGS="build-essential cmake pkg-config clang libcurl4-openssl-dev libjansson-dev \
libsqlite3-dev libssl-dev libcmocka-dev libmicrohttpd-dev jq openssl time"
PKGS="$PKGS libclang-rt-14-dev valgrind cppcheck clang-tidy clang-format" # make fuzz, valgrind, lint, format
PKGS="$PKGS nginx-light" # the HTTP/2 test: a TLS + HTTP/2 front for the emulator
PKGS="$PKGS python3 python3-h2 python3-protobuf" # the ChirpStack emulator (tests/csemu)
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
# Packages with a service (nginx) must not start it: the tests run their own
# instance on a loopback port. policy-rc.d answering 101 tells the package
# scripts so; it is removed again unless it was there before.
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	made_policy=1
fi
rc=0
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ -z "$made_policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
exit $rc
