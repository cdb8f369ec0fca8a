build2/obj/parse/filter_parse.o: user/parse/filter_parse.c \
 user/parse/filter_int.h headers/fs_shared.h
user/parse/filter_int.h:
headers/fs_shared.h:
