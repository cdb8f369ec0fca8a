build2/obj/live/xskq.o: user/live/xskq.c user/lib/log.h user/live/xskq.h \
 user/live/umem.h user/lib/buf.h user/lib/spsc.h
user/lib/log.h:
user/live/xskq.h:
user/live/umem.h:
user/lib/buf.h:
user/lib/spsc.h:
