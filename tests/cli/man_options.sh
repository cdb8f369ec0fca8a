#!/bin/bash
# man/flowsplice.8 covers every command and option: each command that
# `flowsplice --help` lists has a "COMMAND OPTIONS" section (its NAME
# in capitals) in which every long and short option of its --help
# appears (the options capture and read share may appear in "FLOW
# SETTINGS" or "CAPTURE FILES" instead), and no option named there (a .TP entry) is one --help no
# longer has.  The top-level --help and --version (-h, -V) appear too.
set -u
cd "${FS_ROOT:-$(dirname "$0")/../..}"
FS_BIN=${FS_BIN:-build/flowsplice}
MAN=man/flowsplice.8
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The groff source of section NAME (.SH NAME up to the next .SH).
section() {
	awk -v s=".SH $1" '$0 == s {on = 1; next} /^\.SH/ {on = 0} on' "$MAN"
}
# Whether option OPT (--long or -x) is written in text (as \-\-long, \-x).
has_opt() { # text opt
	local esc=${2//-/\\\\-}
	grep -qE -- "${esc}([^A-Za-z0-9-]|\$)" <<<"$1"
}
# The options of a --help text, one per line: -x and --long.
help_opts() {
	sed -nE 's/^(  -([A-Za-z0-9]), |      )--([a-z0-9-]+).*/\2 --\3/p' |
		tr ' ' '\n' | sed -E 's/^([A-Za-z0-9])$/-\1/' | grep .
}

cmds=$("$FS_BIN" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p')
[ -n "$cmds" ] || { echo "FAIL: no commands in flowsplice --help"; exit 1; }
all=$(cat "$MAN")
for o in --help -h --version -V; do
	has_opt "$(section SYNOPSIS; section DESCRIPTION)" "$o" ||
		fail "top-level $o is not in SYNOPSIS or DESCRIPTION"
done
shared=$(section "FLOW SETTINGS"; section "CAPTURE FILES")
n=0
for c in $cmds; do
	C=$(tr a-z A-Z <<<"$c")
	sec=$(section "$C OPTIONS")
	[ -n "$sec" ] || { fail "no section '$C OPTIONS' for $c"; continue; }
	helptext=$("$FS_BIN" "$c" --help)
	for o in $(help_opts <<<"$helptext"); do
		n=$((n + 1))
		has_opt "$sec" "$o" || has_opt "$shared" "$o" ||
			fail "$c $o is in --help but not in '$C OPTIONS' (or FLOW SETTINGS, CAPTURE FILES)"
	done
	# Every option the section's entries name is still one of --help's.
	for o in $(grep -A1 '^\.TP' <<<"$sec" | grep -v '^\.TP\|^--' |
		grep -oE '\\-(\\-[a-z0-9]+(\\-[a-z0-9]+)*|[A-Za-z0-9])' |
		sed 's/\\//g'); do
		help_opts <<<"$helptext" | grep -qx -- "$o" ||
			fail "$MAN: $c $o is not in $c --help"
	done
done
[ "$n" -gt 50 ] || fail "only $n options read from --help: parse broken?"
grep -q . <<<"$all" || fail "empty $MAN"
[ "$fails" = 0 ] && echo "PASS: $n options of $(wc -w <<<"$cmds") commands"
exit $((fails > 0))
