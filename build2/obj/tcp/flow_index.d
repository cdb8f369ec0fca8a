build2/obj/tcp/flow_index.o: user/tcp/flow_index.c user/lib/log.h \
 user/tcp/flow_index.h user/lib/buf.h user/tcp/flow_table.h \
 user/parse/pkt.h user/tcp/reasm.h
user/lib/log.h:
user/tcp/flow_index.h:
user/lib/buf.h:
user/tcp/flow_table.h:
user/parse/pkt.h:
user/tcp/reasm.h:
