build2/obj/live/xdp_pins.o: user/live/xdp_pins.c user/lib/log.h \
 user/live/xdp_prog_int.h user/live/xdp_prog.h headers/fs_shared.h
user/lib/log.h:
user/live/xdp_prog_int.h:
user/live/xdp_prog.h:
headers/fs_shared.h:
