#!/bin/sh
# Install the Debian 12 packages that flowsplice's build, tests, demo and
# benchmarks need.  Idempotent: runs apt-get only when something is missing.
set -eu

PKGS="make gcc clang llvm libbpf-dev libxdp-dev xdp-tools bpftool liburing-dev
libpcap-dev libelf-dev zlib1g-dev iproute2 iperf3 tcpdump tshark tcpflow netsniff-ng
libclang-rt-14-dev python3 fio gnuplot-nox procps ethtool util-linux curl
systemd dpkg-dev debhelper lintian tcpreplay"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
