build2/obj/live/xdp_prog.o: user/live/xdp_prog.c build2/classifier.skel.h \
 user/lib/log.h user/live/xdp_prog.h headers/fs_shared.h \
 user/live/xdp_prog_int.h
build2/classifier.skel.h:
user/lib/log.h:
user/live/xdp_prog.h:
headers/fs_shared.h:
user/live/xdp_prog_int.h:
