build2/obj/tcp/flow_table.o: user/tcp/flow_table.c user/tcp/flow_table.h \
 user/lib/buf.h user/parse/pkt.h user/tcp/reasm.h user/lib/log.h
user/tcp/flow_table.h:
user/lib/buf.h:
user/parse/pkt.h:
user/tcp/reasm.h:
user/lib/log.h:
