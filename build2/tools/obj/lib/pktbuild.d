build2/tools/obj/lib/pktbuild.o: tools/lib/pktbuild.c \
 tools/lib/pktbuild.h
tools/lib/pktbuild.h:
