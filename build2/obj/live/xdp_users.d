build2/obj/live/xdp_users.o: user/live/xdp_users.c user/lib/log.h \
 user/live/xdp_prog_int.h user/live/xdp_prog.h headers/fs_shared.h
user/lib/log.h:
user/live/xdp_prog_int.h:
user/live/xdp_prog.h:
headers/fs_shared.h:
