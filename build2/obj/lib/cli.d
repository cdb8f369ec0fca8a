build2/obj/lib/cli.o: user/lib/cli.c user/lib/cli.h user/lib/log.h
user/lib/cli.h:
user/lib/log.h:
