build2/tools/bench_check: tools/bench_check.c tools/lib/xfergen.h
tools/lib/xfergen.h:
