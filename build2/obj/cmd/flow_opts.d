build2/obj/cmd/flow_opts.o: user/cmd/flow_opts.c user/out/writer.h \
 user/lib/buf.h user/cmd/flow_opts.h user/lib/cli.h user/tcp/reasm.h \
 user/tcp/streams.h user/tcp/flow_table.h user/parse/pkt.h user/lib/log.h
user/out/writer.h:
user/lib/buf.h:
user/cmd/flow_opts.h:
user/lib/cli.h:
user/tcp/reasm.h:
user/tcp/streams.h:
user/tcp/flow_table.h:
user/parse/pkt.h:
user/lib/log.h:
