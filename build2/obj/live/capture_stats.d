build2/obj/live/capture_stats.o: user/live/capture_stats.c \
 user/live/capture_stats.h headers/fs_shared.h user/live/worker.h \
 user/tcp/flow_table.h user/lib/buf.h user/parse/pkt.h user/tcp/reasm.h \
 user/out/pcap_out.h user/out/writer.h user/lib/spsc.h user/tcp/streams.h \
 user/live/umem.h user/live/xskq.h
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
