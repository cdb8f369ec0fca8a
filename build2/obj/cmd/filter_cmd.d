build2/obj/cmd/filter_cmd.o: user/cmd/filter_cmd.c user/lib/cli.h \
 user/cmd/commands.h user/parse/filter.h headers/fs_shared.h \
 user/parse/pkt.h user/lib/log.h user/live/xdp_prog.h
user/lib/cli.h:
user/cmd/commands.h:
user/parse/filter.h:
headers/fs_shared.h:
user/parse/pkt.h:
user/lib/log.h:
user/live/xdp_prog.h:
