// SPDX-License-Identifier: GPL-2.0
/*
 * labswitch GROUPDIR N: switch an IOMMU group's default domain N times,
 * alternating "identity" and "DMA" through GROUPDIR/type, checking each
 * switch by reading the type back. Prints the mean time per switch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int read_type(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int main(int argc, char **argv)
{
	char path[512], cur[64];
	struct timespec t0, t1;
	double total = 0;
	long n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: labswitch GROUPDIR N\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/type", argv[1]);
	n = strtol(argv[2], NULL, 0);
	if (read_type(path, cur, sizeof(cur))) {
		fprintf(stderr, "labswitch: read %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *want = strcmp(cur, "identity") ? "identity" : "DMA";
		int fd = open(path, O_WRONLY);

		if (fd < 0) {
			fprintf(stderr, "labswitch: open %s: %s\n", path, strerror(errno));
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (write(fd, want, strlen(want)) != (ssize_t)strlen(want)) {
			fprintf(stderr, "labswitch: switch %ld to %s: %s\n", i, want, strerror(errno));
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		close(fd);
		total += (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (read_type(path, cur, sizeof(cur)) || strcmp(cur, want)) {
			fprintf(stderr, "labswitch: switch %ld: asked for %s, type reads %s\n", i, want, cur);
			return 1;
		}
	}
	printf("labswitch: %ld switches, %.6f s per switch\n", n, n ? total / n : 0);
	return 0;
}
