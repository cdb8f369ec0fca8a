build2/obj/tcp/reasm.o: user/tcp/reasm.c user/lib/log.h user/parse/pkt.h \
 user/tcp/reasm.h user/lib/buf.h user/lib/seq.h
user/lib/log.h:
user/parse/pkt.h:
user/tcp/reasm.h:
user/lib/buf.h:
user/lib/seq.h:
