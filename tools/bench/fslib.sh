# SPDX-License-Identifier: GPL-2.0
# Benchmarks' output file system: a fresh ext4 on a loop file under the
# benchmarks' work directory (the disk being measured), made the same way
# for every run, because ext4's inode allocator slows down where many files
# were just deleted (recently_deleted() in the kernel's profile: one run
# took 1 s on a fresh file system and 14 s on this machine's busy root).
# The loop device does direct I/O on its file (losetup --direct-io=on), so
# that writes reach the disk as the tool made them, not through a second
# page cache.
#   fs_init DIR     the image and mount point under DIR (FS_MNT)
#   fs_fresh        a new file system at FS_MNT
#   fs_done         unmount, remove the image
fs_init() {
	FS_IMG=$1/fs.img
	FS_MNT=$1/mnt
	mkdir -p "$FS_MNT"
}
fs_fresh() {
	fs_done
	truncate -s 32G "$FS_IMG"
	mkfs.ext4 -q -F -N 1500000 -E lazy_itable_init=0,lazy_journal_init=0 \
		"$FS_IMG" || return 1
	FS_DEV=$(losetup --direct-io=on -f --show "$FS_IMG") || return 1
	mount "$FS_DEV" "$FS_MNT" || return 1
	sync
}
fs_done() {
	umount "$FS_MNT" 2>/dev/null || true
	[ -n "${FS_DEV:-}" ] && losetup -d "$FS_DEV" 2>/dev/null
	FS_DEV=
	rm -f "$FS_IMG"
}
