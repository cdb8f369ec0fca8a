build2/obj/out/writer_buffered.o: user/out/writer_buffered.c \
 user/out/writer_int.h user/out/writer.h user/lib/buf.h
user/out/writer_int.h:
user/out/writer.h:
user/lib/buf.h:
