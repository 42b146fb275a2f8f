// SPDX-License-Identifier: GPL-2.0
/*
 * labdisk DEV MB STOPFILE: write a pattern to the first MB MiB of DEV with
 * O_DIRECT (every byte crosses the IOMMU by DMA), drop caches, read it
 * back and compare; repeat until STOPFILE exists (at least one pass).
 * Exit 0 when every byte read back was the byte written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static void fill(uint64_t *buf, uint64_t pass, uint64_t chunk)
{
	for (size_t i = 0; i < CHUNK / 8; i++)
		buf[i] = (pass << 48) ^ (chunk << 20) ^ i ^ 0x5a5a0000a5a5ULL;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("labdisk: drop_caches");
		close(fd);
	}
}

int main(int argc, char **argv)
{
	uint64_t *wbuf, *rbuf, pass = 0, nchunks, bytes = 0;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: labdisk DEV MB STOPFILE\n");
		return 2;
	}
	nchunks = strtoull(argv[2], NULL, 0) * 1024 * 1024 / CHUNK;
	fd = open(argv[1], O_RDWR | O_DIRECT | O_SYNC);
	if (fd < 0) {
		fprintf(stderr, "labdisk: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (posix_memalign((void **)&wbuf, 4096, CHUNK) ||
	    posix_memalign((void **)&rbuf, 4096, CHUNK))
		return 1;

	do {
		for (uint64_t c = 0; c < nchunks; c++) {
			fill(wbuf, pass, c);
			if (pwrite(fd, wbuf, CHUNK, c * CHUNK) != CHUNK) {
				fprintf(stderr, "labdisk: write pass %" PRIu64 " chunk %" PRIu64 ": %s\n",
					pass, c, strerror(errno));
				return 1;
			}
		}
		drop_caches();
		for (uint64_t c = 0; c < nchunks; c++) {
			fill(wbuf, pass, c);
			memset(rbuf, 0, CHUNK);
			if (pread(fd, rbuf, CHUNK, c * CHUNK) != CHUNK) {
				fprintf(stderr, "labdisk: read pass %" PRIu64 " chunk %" PRIu64 ": %s\n",
					pass, c, strerror(errno));
				return 1;
			}
			if (memcmp(wbuf, rbuf, CHUNK)) {
				fprintf(stderr, "labdisk: MISMATCH pass %" PRIu64 " offset 0x%" PRIx64 "\n",
					pass, c * CHUNK);
				return 1;
			}
			bytes += CHUNK;
		}
		pass++;
	} while (access(argv[3], F_OK) != 0);

	printf("labdisk: %" PRIu64 " passes, %" PRIu64 " bytes verified\n", pass, bytes);
	return 0;
}
