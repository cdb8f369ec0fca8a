build2/classifier.bpf.o: bpf/classifier.bpf.c headers/fs_shared.h

headers/fs_shared.h:
