#!/bin/bash
# sanitized: no (reads the plain build's objects only)
# The program keeps no mutable process-wide state: the state of a run lives
# in objects passed down (a capture's in its struct capture and worker
# group). Fails on a writable data symbol (.data, .bss, thread-local, or
# common) in any object of user/, other than the ones listed below, each
# with its reason. Tables are const (.rodata, or .data.rel.ro when they
# hold pointers: nm calls that "d" too, so sections are read, not letters).
set -u
cd "${FS_ROOT:-$(dirname "$0")/../..}"

# object:symbol  why it may stay process-wide
allowed=(
	# The log level: one process-wide setting, set by the command before
	# any thread starts and read by every module's pr_*() (passing it
	# down would thread a context through every layer for one int).
	"lib/log.o:cur_level"
	# The command's name in the log prefix: set with the level, by
	# cli_parse(), before any thread starts; the same reasoning.
	"lib/log.o:cmd_name"
	# The direct writer's "O_DIRECT refused" message, logged once per
	# process; the writer's rebuild moves the flag into the writer.
	"out/writer_direct.o:logged.0"
)
# Signal handlers may only touch volatile sig_atomic_t variables, each
# commented where it is defined; there are none today: capture takes its
# stop signals with sigtimedwait() in the main loop, not in a handler.

objs=$(find build/obj -name '*.o' 2>/dev/null | sort)
[ -n "$objs" ] || { echo "no objects under build/obj: run make first"; exit 1; }
bad=0 n=0
for o in $objs; do
	rel=${o#build/obj/}
	n=$((n + 1))
	# objdump -t: VALUE FLAGS SECTION SIZE NAME; O: a data object.
	while read -r sect name; do
		ok=0
		for a in "${allowed[@]}"; do
			[ "$a" = "$rel:$name" ] && ok=1
		done
		[ $ok = 1 ] && continue
		echo "$rel: writable $sect symbol '$name': move it into the" \
			"object that owns the run, or make it const"
		bad=1
	done < <(objdump -t "$o" | awk '
		$3 == "O" || $2 == "O" {
			sect = ($3 == "O") ? $4 : $3
			if (sect ~ /^\.(data|bss|tdata|tbss)($|\.)/ &&
			    sect !~ /^\.data\.rel\.ro/ || sect == "*COM*")
				print sect, $NF
		}')
done
echo "$n objects checked"
exit $bad
