build2/obj/cmd/read_cmd.o: user/cmd/read_cmd.c user/cmd/flow_opts.h \
 user/lib/cli.h user/tcp/reasm.h user/lib/buf.h user/tcp/streams.h \
 user/tcp/flow_table.h user/parse/pkt.h user/out/writer.h \
 user/cmd/commands.h user/parse/filter.h headers/fs_shared.h \
 user/lib/log.h user/out/pcap_out.h user/parse/pcap_reader.h
user/cmd/flow_opts.h:
user/lib/cli.h:
user/tcp/reasm.h:
user/lib/buf.h:
user/tcp/streams.h:
user/tcp/flow_table.h:
user/parse/pkt.h:
user/out/writer.h:
user/cmd/commands.h:
user/parse/filter.h:
headers/fs_shared.h:
user/lib/log.h:
user/out/pcap_out.h:
user/parse/pcap_reader.h:
