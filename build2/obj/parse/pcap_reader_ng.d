build2/obj/parse/pcap_reader_ng.o: user/parse/pcap_reader_ng.c \
 user/parse/pcap_reader_int.h user/parse/pcap_reader.h user/lib/buf.h
user/parse/pcap_reader_int.h:
user/parse/pcap_reader.h:
user/lib/buf.h:
