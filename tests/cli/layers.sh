#!/bin/bash
# sanitized: no (reads the source tree only)
# The layers of user/ include only downwards: a file in user/L/ includes
# headers of L or of a layer listed before L in the Makefile's LAYERS, or
# the shared headers/ (and the build's skeletons). Fails on an include that
# points up or names a header that is not where it says.
set -u
cd "${FS_ROOT:-$(dirname "$0")/../..}"
layers=$(sed -n 's/^LAYERS *:= *//p' Makefile)
[ -n "$layers" ] || { echo "no LAYERS in Makefile"; exit 1; }
rank() { # layer -> index in LAYERS, or nothing
	local i=0 l
	for l in $layers; do
		[ "$l" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
}
bad=0 n=0
for d in user/*/; do
	d=${d%/}; me=${d#user/}
	r=$(rank "$me")
	[ -n "$r" ] || { echo "$d: not a layer in LAYERS"; bad=1; continue; }
	for f in "$d"/*.[ch]; do
		while IFS= read -r inc; do
			n=$((n + 1))
			case $inc in
			*/*)
				l=${inc%%/*}; ir=$(rank "$l")
				if [ -z "$ir" ] || [ ! -e "user/$inc" ]; then
					echo "$f: includes $inc, not a header of a layer"; bad=1
				elif [ "$ir" -gt "$r" ]; then
					echo "$f: includes $inc, a layer above $me"; bad=1
				fi ;;
			*)
				[ -e "$d/$inc" ] || [ -e "headers/$inc" ] ||
					[[ $inc == *.skel.h ]] || {
					echo "$f: includes $inc, found neither in $d nor in headers/"; bad=1; } ;;
			esac
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done
[ -z "$(ls user/*.[ch] 2>/dev/null)" ] || { echo "files outside a layer: $(ls user/*.[ch])"; bad=1; }
echo "$n includes checked"
exit $bad
