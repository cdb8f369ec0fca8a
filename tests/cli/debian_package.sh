#!/bin/bash
# sanitized: no (builds its own binary, in a package)
# debian/: `dpkg-buildpackage -us -uc -b` on a copy of this tree builds
# flowsplice_VERSION_ARCH.deb; lintian finds no error in it; it declares
# its library dependencies; unpacked into a scratch root (dpkg -x) it
# holds the program (which runs), the classifier as an eBPF object where
# the README says (/usr/lib/flowsplice/), the man page, the unit and the
# default options, and its maintainer scripts parse.
set -u
cd "${FS_ROOT:-$(dirname "$0")/../..}"
for t in dpkg-buildpackage dh; do
	command -v "$t" >/dev/null || {
		echo "SKIP: $t is not installed (dpkg-dev, debhelper:" \
			"tools/install-deps.sh installs them)"
		exit 77
	}
done
command -v lintian >/dev/null ||
	{ echo "FAIL: lintian is not installed (tools/install-deps.sh)"; exit 1; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
T=$(mktemp -d /tmp/fs-deb-XXXXXX)
trap 'rm -rf "$T"' EXIT

mkdir "$T/flowsplice"
tar --exclude=./build --exclude=./.git -cf - . | tar -C "$T/flowsplice" -xf -
if ! (cd "$T/flowsplice" && dpkg-buildpackage -us -uc -b -j2) \
	>"$T/build.log" 2>&1; then
	tail -n 30 "$T/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
ver=$(dpkg-parsechangelog -l debian/changelog -S Version)
deb=$T/flowsplice_${ver}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { ls "$T"; echo "FAIL: no $deb"; exit 1; }
echo "ok: built $(basename "$deb")"

lintian --fail-on error "$deb" >"$T/lintian" 2>&1 ||
	fail "lintian: $(grep -v 'root privileges' "$T/lintian")"
grep -q '^E: ' "$T/lintian" && fail "lintian errors: $(grep '^E: ' "$T/lintian")"
echo "ok: lintian: $(grep -c '^[EW]: ' "$T/lintian") errors and warnings"

deps=$(dpkg-deb -f "$deb" Depends)
for d in libbpf1 libxdp1 liburing2 libc6 adduser; do
	grep -q "\b$d\b" <<<"$deps" || fail "Depends lacks $d: $deps"
done

R=$T/root
dpkg -x "$deb" "$R"
for f in usr/sbin/flowsplice usr/lib/flowsplice/classifier.bpf.o \
	usr/share/man/man8/flowsplice.8.gz lib/systemd/system/flowsplice@.service \
	etc/default/flowsplice usr/share/doc/flowsplice/copyright; do
	[ -s "$R/$f" ] || fail "the package has no $f"
done
"$R/usr/sbin/flowsplice" --version >/dev/null || fail "the packaged program does not run"
readelf -h "$R/usr/lib/flowsplice/classifier.bpf.o" 2>/dev/null |
	grep -q "Machine:.*BPF" || fail "classifier.bpf.o is not an eBPF object"
grep -qx 'ExecStart=/usr/sbin/flowsplice capture .*' \
	"$R/lib/systemd/system/flowsplice@.service" ||
	fail "the packaged unit does not run /usr/sbin/flowsplice"
dpkg-deb -e "$deb" "$T/ctl"
for s in "$T"/ctl/postinst "$T"/ctl/postrm "$T"/ctl/prerm; do
	[ -f "$s" ] && { sh -n "$s" || fail "$(basename "$s") does not parse"; }
done
grep -qx /etc/default/flowsplice "$T/ctl/conffiles" ||
	fail "/etc/default/flowsplice is not a conffile"
[ "$fails" = 0 ] && echo PASS
exit $((fails > 0))
