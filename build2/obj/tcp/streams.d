build2/obj/tcp/streams.o: user/tcp/streams.c user/tcp/flow_index.h \
 user/lib/buf.h user/tcp/flow_table.h user/parse/pkt.h user/tcp/reasm.h \
 user/lib/log.h user/tcp/streams.h user/out/writer.h
user/tcp/flow_index.h:
user/lib/buf.h:
user/tcp/flow_table.h:
user/parse/pkt.h:
user/tcp/reasm.h:
user/lib/log.h:
user/tcp/streams.h:
user/out/writer.h:
