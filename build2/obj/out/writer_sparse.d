build2/obj/out/writer_sparse.o: user/out/writer_sparse.c user/lib/log.h \
 user/out/writer_int.h user/out/writer.h user/lib/buf.h
user/lib/log.h:
user/out/writer_int.h:
user/out/writer.h:
user/lib/buf.h:
