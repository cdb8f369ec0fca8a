build2/obj/out/writer_direct.o: user/out/writer_direct.c user/lib/log.h \
 user/out/writer_int.h user/out/writer.h user/lib/buf.h
user/lib/log.h:
user/out/writer_int.h:
user/out/writer.h:
user/lib/buf.h:
