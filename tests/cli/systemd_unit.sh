#!/bin/bash
# sanitized: no (checks the unit file and the plain binary's --help)
# systemd/flowsplice@.service passes `systemd-analyze verify` (as an
# instance, with the binary from this build and this tree's man page for
# its Documentation=), is Type=notify and stops by SIGTERM, bounds its
# capabilities, and every option that systemd/flowsplice.default and
# systemd/example.env pass is one `flowsplice capture --help` lists.
set -u
cd "${FS_ROOT:-$(dirname "$0")/../..}"
FS_BIN=${FS_BIN:-build/flowsplice}
command -v systemd-analyze >/dev/null ||
	{ echo "SKIP: systemd-analyze is not installed"; exit 77; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
unit=systemd/flowsplice@.service
T=$(mktemp -d /tmp/fs-unit-XXXXXX)
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/man/man8"
cp man/flowsplice.8 "$T/man/man8/"
sed "s|/usr/sbin/flowsplice|$(realpath "$FS_BIN")|" "$unit" >"$T/flowsplice@.service"
if MANPATH=$T/man systemd-analyze verify "$T/flowsplice@eth0.service" \
	>"$T/out" 2>&1 && [ ! -s "$T/out" ]; then
	echo "ok: systemd-analyze verify"
else
	fail "systemd-analyze verify: $(cat "$T/out")"
fi

for want in Type=notify KillSignal=SIGTERM NoNewPrivileges=yes \
	'EnvironmentFile=-/etc/default/flowsplice' \
	'EnvironmentFile=-/etc/flowsplice/%i.env'; do
	grep -qx -- "$want" "$unit" || fail "$unit has no $want"
done
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
for c in $caps; do
	case $c in
	CAP_NET_ADMIN | CAP_NET_RAW | CAP_BPF | CAP_PERFMON | CAP_SYS_ADMIN | \
		CAP_IPC_LOCK | CAP_SETUID | CAP_SETGID | CAP_SETPCAP | CAP_CHOWN | \
		CAP_DAC_OVERRIDE) ;;
	*) fail "$unit bounds to $c, which flowsplice does not need" ;;
	esac
done
[ -n "$caps" ] || fail "$unit has no CapabilityBoundingSet"

"$FS_BIN" capture --help >"$T/help" 2>&1
for f in systemd/flowsplice.default systemd/example.env; do
	# shellcheck disable=SC1090
	opts=$(. "$f"; echo "${FLOWSPLICE_DEFAULTS:-} ${FLOWSPLICE_OPTS:-}")
	for o in $opts; do
		case $o in
		--*) grep -q -- "  ${o%%=*}[ ,]\|, ${o%%=*}[ ,]\|, ${o%%=*}$\|  ${o%%=*}$" "$T/help" ||
			fail "$f: $o is not in capture --help" ;;
		-?) grep -q -- "  $o[ ,]" "$T/help" ||
			fail "$f: $o is not in capture --help" ;;
		esac
	done
done
[ "$fails" = 0 ] && echo PASS
exit $((fails > 0))
