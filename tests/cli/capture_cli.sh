#!/bin/bash
# flowsplice capture: --help tells the truth, and every bad option, bad
# filter and bad environment gives one clear line and the right exit code
# (2 usage, 1 runtime), with no XDP program left attached.
set -u
FS_BIN=${FS_BIN:-build/flowsplice}
fails=0
OUT=$(mktemp -d /tmp/fs-cli-XXXXXX)
NS=fs-cli-$$
cleanup() {
	[ -n "${victim:-}" ] && kill -9 "$victim" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT INT TERM

expect() { # want_rc pattern cmd...
	local want=$1 pat=$2 rc
	shift 2
	"$@" >"$OUT/out" 2>"$OUT/err"
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -qE -- "$pat" "$OUT/out" "$OUT/err"; then
		echo "FAIL: $* -> rc $rc (want $want), output:"
		sed 's/^/    /' "$OUT/out" "$OUT/err"
		echo "    (wanted /$pat/)"
		fails=$((fails + 1))
	else
		echo "ok: $* -> $rc"
	fi
}

# --help: every option in the table shows, and the exit code is 0.
expect 0 "Usage: flowsplice capture" "$FS_BIN" capture --help
for o in --interface --write --queues --xdp-mode --pin-path --rotate-size \
	--rotate-seconds --duration --stats-interval --stats-json \
	--frame-size --frames --rx-size --fill-size --verbose --quiet \
	--streams --max-flows --idle-timeout --hold-frames --hold-policy \
	--ooo-per-flow --ooo-total --max-open --pcap-io; do
	grep -q -- "$o" "$OUT/out" || { echo "FAIL: --help lacks $o"; fails=$((fails + 1)); }
done
expect 0 "capture" "$FS_BIN" --help
expect 2 "unknown command 'nope'" "$FS_BIN" nope
expect 2 "Usage" "$FS_BIN"

# Usage errors: exit 2, one line naming the problem.
expect 2 "unknown option --bogus" "$FS_BIN" capture --bogus
expect 2 "option -i needs a value" "$FS_BIN" capture -i
expect 2 "-i IFACE is required" "$FS_BIN" capture -w x.pcap
expect 2 "give -w FILE and/or --streams DIR" "$FS_BIN" capture -i lo
expect 2 "invalid value 'fast' for --xdp-mode" "$FS_BIN" capture -i lo -w x --xdp-mode fast
expect 2 "--frame-size must be 2048 or 4096" "$FS_BIN" capture -i lo -w x --frame-size 3000
expect 2 "--frames 10 out of range" "$FS_BIN" capture -i lo -w x --frames 10
expect 2 "ring sizes must be powers of 2" "$FS_BIN" capture -i lo -w x --rx-size 1000
expect 2 "invalid -C size 'lots'" "$FS_BIN" capture -i lo -w x -C lots
expect 2 "invalid value 'abc' for --duration" "$FS_BIN" capture -i lo -w x -d abc
expect 2 "bad filter: .*'frobnicate.invalid'" "$FS_BIN" capture -i lo -w x icmp and host frobnicate.invalid
expect 2 "bad filter: .*'example.com'" "$FS_BIN" capture -i lo -w x host example.com
expect 2 "bad filter" "$FS_BIN" capture -i lo -w x tcp and
expect 2 "bad --queues '7'" "$FS_BIN" capture -i lo -w x -Q 7
expect 2 "invalid value 'fast' for --pcap-io" "$FS_BIN" capture -i lo -w x --pcap-io fast
expect 2 "invalid value 'keep' for --hold-policy" "$FS_BIN" capture -i lo --streams d --hold-policy keep
expect 2 "--hold-frames 9000 must be below --frames 8192" "$FS_BIN" capture -i lo --streams d --frames 8192 --hold-frames 9000
expect 2 "--fill-size 16384 exceeds --frames 8192" "$FS_BIN" capture -i lo -w x --frames 8192 --fill-size 16384

# Runtime errors: exit 1.
expect 1 "no such interface: nosuch0" "$FS_BIN" capture -i nosuch0 -w x
# A smaller UMEM shrinks the default rings with it: the options pass and
# the run gets as far as the interface.
expect 1 "no such interface: nosuch0" "$FS_BIN" capture -i nosuch0 -w x --frames 8192
expect 1 "no such interface: nosuch0" "$FS_BIN" capture -i nosuch0 -w x --frames 64

if [ "$(id -u)" = 0 ]; then
	# A namespace of our own, with a veth pair in it, for the cases that
	# get as far as the interface.
	ip netns add "$NS" || exit 1
	ip -n "$NS" link add fsc0 type veth peer name fsc1 || exit 1
	ip -n "$NS" link set fsc0 up
	ip -n "$NS" link set fsc1 up
	in_ns() { ip netns exec "$NS" "$@"; }

	expect 1 "cannot write $OUT/nodir/x.pcap: No such file" \
		in_ns "$FS_BIN" capture -i fsc0 -w "$OUT/nodir/x.pcap"
	ip -n "$NS" link show fsc0 | grep -q xdp &&
		{ echo "FAIL: XDP left attached after an error"; fails=$((fails + 1)); }

	# Missing privileges: one line saying what is needed.
	if command -v setpriv >/dev/null; then
		expect 1 "needs root" in_ns setpriv --reuid=65534 --regid=65534 \
			--clear-groups "$FS_BIN" capture -i fsc0 -w /tmp/x.pcap
	fi

	# A clean run with --duration leaves nothing attached behind it.
	expect 0 "capture summary" in_ns "$FS_BIN" capture -i fsc0 \
		-w "$OUT/ok.pcap" -d 1 -q
	ip -n "$NS" link show fsc0 | grep -q xdp &&
		{ echo "FAIL: XDP left attached after a clean stop"; fails=$((fails + 1)); }
	[ -s "$OUT/ok.pcap" ] || { echo "FAIL: no pcap header written"; fails=$((fails + 1)); }

	# A capture killed with SIGKILL cannot detach; the next run finds its
	# program, sees its owner gone, takes it over and detaches it on exit.
	# (ip netns exec execs the binary: $! is flowsplice itself)
	ip netns exec "$NS" "$FS_BIN" capture -i fsc0 -w "$OUT/killed.pcap" -q \
		</dev/null >/dev/null 2>&1 &
	victim=$!
	for _ in $(seq 50); do
		ip -n "$NS" link show fsc0 | grep -q xdp && break
		sleep 0.1
	done
	sleep 0.3
	kill -9 "$victim"
	wait "$victim" 2>/dev/null
	victim=
	if ip -n "$NS" link show fsc0 | grep -q xdp; then
		expect 0 "taking over the fs_classify program left attached by flowsplice pid [0-9]+" \
			in_ns "$FS_BIN" capture -i fsc0 -w "$OUT/after.pcap" -d 1
		ip -n "$NS" link show fsc0 | grep -q xdp &&
			{ echo "FAIL: a dead capture's program is still attached"; fails=$((fails + 1)); }
	else
		echo "FAIL: the killed capture never attached"
		fails=$((fails + 1))
	fi

	# SIGHUP stops a capture cleanly (summary, exit 0), unless it was
	# ignored when the capture started (nohup): then it goes on.
	# (ip netns exec execs the binary: $! is flowsplice itself)
	ip netns exec "$NS" "$FS_BIN" capture -i fsc0 -w "$OUT/hup.pcap" -d 20 \
		</dev/null >"$OUT/hup.log" 2>&1 &
	victim=$!
	sleep 1.5
	kill -HUP "$victim"
	for _ in $(seq 50); do kill -0 "$victim" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$victim" 2>/dev/null; then
		echo "FAIL: SIGHUP did not stop the capture"
		fails=$((fails + 1))
	else
		wait "$victim"
		rc=$?
		grep -q "capture summary" "$OUT/hup.log" && [ "$rc" = 0 ] ||
			{ echo "FAIL: SIGHUP stop: rc $rc, no summary"; cat "$OUT/hup.log"; fails=$((fails + 1)); }
	fi
	(trap '' HUP; exec ip netns exec "$NS" "$FS_BIN" capture -i fsc0 \
		-w "$OUT/nohup.pcap" -d 3 -q </dev/null >/dev/null 2>&1) &
	victim=$!
	sleep 1.5
	kill -HUP "$victim"
	sleep 0.5
	if kill -0 "$victim" 2>/dev/null; then
		echo "ok: an ignored SIGHUP (nohup) leaves the capture running"
		wait "$victim" || { echo "FAIL: nohup capture exited non-zero"; fails=$((fails + 1)); }
	else
		echo "FAIL: an ignored SIGHUP stopped the capture"
		fails=$((fails + 1))
	fi
	victim=

	# A worker that cannot start (the second pthread_create fails): the
	# started one must not wait for it forever; one line, exit 1, within
	# the timeout, nothing attached.
	SHIM="$(pwd)/build/tests/faultshim.so"
	if [ -f "$SHIM" ]; then
		ip -n "$NS" link add fsm0 numrxqueues 2 numtxqueues 2 type veth \
			peer name fsm1 numrxqueues 2 numtxqueues 2 || exit 1
		ip -n "$NS" link set fsm0 up
		ip -n "$NS" link set fsm1 up
		expect 1 "cannot start worker 1" in_ns env LD_PRELOAD="$SHIM" \
			FS_FAIL_PTHREAD_CREATE=2 timeout -k 5 20 "$FS_BIN" capture \
			-i fsm0 --streams "$OUT/shim" -d 10 -q
		ip -n "$NS" link show fsm0 | grep -q xdp &&
			{ echo "FAIL: XDP left attached after a worker failed"; fails=$((fails + 1)); }
	else
		echo "FAIL: $SHIM not built (make unit-tests)"
		fails=$((fails + 1))
	fi
fi

echo "$fails failure(s)"
[ "$fails" = 0 ]
