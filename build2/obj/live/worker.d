build2/obj/live/worker.o: user/live/worker.c headers/fs_shared.h \
 user/lib/log.h user/parse/pkt.h user/live/worker.h user/tcp/flow_table.h \
 user/lib/buf.h user/tcp/reasm.h user/out/pcap_out.h user/out/writer.h \
 user/lib/spsc.h user/tcp/streams.h user/live/umem.h user/live/xskq.h
headers/fs_shared.h:
user/lib/log.h:
user/parse/pkt.h:
user/live/worker.h:
user/tcp/flow_table.h:
user/lib/buf.h:
user/tcp/reasm.h:
user/out/pcap_out.h:
user/out/writer.h:
user/lib/spsc.h:
user/tcp/streams.h:
user/live/umem.h:
user/live/xskq.h:
