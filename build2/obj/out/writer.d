build2/obj/out/writer.o: user/out/writer.c user/lib/log.h \
 user/out/writer_int.h user/out/writer.h user/lib/buf.h
user/lib/log.h:
user/out/writer_int.h:
user/out/writer.h:
user/lib/buf.h:
