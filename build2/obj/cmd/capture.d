build2/obj/cmd/capture.o: user/cmd/capture.c user/cmd/capture_int.h \
 user/live/capture_stats.h headers/fs_shared.h user/live/worker.h \
 user/tcp/flow_table.h user/lib/buf.h user/parse/pkt.h user/tcp/reasm.h \
 user/out/pcap_out.h user/out/writer.h user/lib/spsc.h user/tcp/streams.h \
 user/live/umem.h user/live/xskq.h user/tcp/flow_index.h \
 user/live/xdp_prog.h user/cmd/flow_opts.h user/lib/cli.h \
 user/cmd/commands.h user/parse/filter.h user/lib/log.h
user/cmd/capture_int.h:
user/live/capture_stats.h:
headers/fs_shared.h:
user/live/worker.h:
user/tcp/flow_table.h:
user/lib/buf.h:
user/parse/pkt.h:
user/tcp/reasm.h:
user/out/pcap_out.h:
user/out/writer.h:
user/lib/spsc.h:
user/tcp/streams.h:
user/live/umem.h:
user/live/xskq.h:
user/tcp/flow_index.h:
user/live/xdp_prog.h:
user/cmd/flow_opts.h:
user/lib/cli.h:
user/cmd/commands.h:
user/parse/filter.h:
user/lib/log.h:
