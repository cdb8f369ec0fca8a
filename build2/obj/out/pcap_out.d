build2/obj/out/pcap_out.o: user/out/pcap_out.c user/lib/log.h \
 user/out/pcap_out.h user/lib/buf.h user/out/writer.h
user/lib/log.h:
user/out/pcap_out.h:
user/lib/buf.h:
user/out/writer.h:
