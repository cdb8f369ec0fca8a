build2/obj/parse/pkt.o: user/parse/pkt.c user/parse/pkt.h
user/parse/pkt.h:
