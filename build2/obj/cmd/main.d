build2/obj/cmd/main.o: user/cmd/main.c user/cmd/commands.h user/lib/log.h
user/cmd/commands.h:
user/lib/log.h:
