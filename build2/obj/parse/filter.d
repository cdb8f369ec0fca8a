build2/obj/parse/filter.o: user/parse/filter.c user/parse/filter.h \
 headers/fs_shared.h user/parse/pkt.h user/parse/filter_int.h
user/parse/filter.h:
headers/fs_shared.h:
user/parse/pkt.h:
user/parse/filter_int.h:
