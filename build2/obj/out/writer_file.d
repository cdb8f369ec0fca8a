build2/obj/out/writer_file.o: user/out/writer_file.c user/lib/log.h \
 user/out/writer_int.h user/out/writer.h user/lib/buf.h
user/lib/log.h:
user/out/writer_int.h:
user/out/writer.h:
user/lib/buf.h:
