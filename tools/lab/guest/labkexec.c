// SPDX-License-Identifier: GPL-2.0
/*
 * labkexec KERNEL INITRD CMDLINE: load a crash kernel with
 * kexec_file_load(2), KEXEC_FILE_ON_CRASH. The lab's kdump scenario needs
 * only this of kexec-tools, and a static binary keeps the initramfs free of
 * shared libraries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef KEXEC_FILE_ON_CRASH
#define KEXEC_FILE_ON_CRASH 0x00000002
#endif

int main(int argc, char **argv)
{
	int kfd, ifd;

	if (argc != 4) {
		fprintf(stderr, "usage: labkexec KERNEL INITRD CMDLINE\n");
		return 2;
	}
	kfd = open(argv[1], O_RDONLY);
	if (kfd < 0) {
		fprintf(stderr, "labkexec: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ifd = open(argv[2], O_RDONLY);
	if (ifd < 0) {
		fprintf(stderr, "labkexec: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	/* The command line length includes its terminating NUL. */
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(argv[3]) + 1,
		    argv[3], KEXEC_FILE_ON_CRASH)) {
		fprintf(stderr, "labkexec: kexec_file_load: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}
