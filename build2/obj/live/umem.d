build2/obj/live/umem.o: user/live/umem.c user/lib/log.h user/live/umem.h \
 user/lib/buf.h user/lib/spsc.h
user/lib/log.h:
user/live/umem.h:
user/lib/buf.h:
user/lib/spsc.h:
