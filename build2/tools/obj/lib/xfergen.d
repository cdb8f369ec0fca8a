build2/tools/obj/lib/xfergen.o: tools/lib/xfergen.c tools/lib/xfergen.h
tools/lib/xfergen.h:
