// SPDX-License-Identifier: GPL-2.0
/*
 * labats SYSFS_PCI_DEV: find the PCIe ATS extended capability (ID 0x0f)
 * in the device's config space and print whether ATS is enabled (ATS
 * Control bit 15). Exit 0 when found, 2 when the device has none.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned char cfg[4096];
	char path[512];
	unsigned int off = 0x100, hops = 0;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: labats SYSFS_PCI_DEV\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/config", argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0 || (n = read(fd, cfg, sizeof(cfg))) < 0x104) {
		fprintf(stderr, "labats: cannot read extended config space of %s\n", argv[1]);
		return 1;
	}
	while (off && off + 8 <= (size_t)n && hops++ < 64) {
		uint32_t hdr = cfg[off] | cfg[off + 1] << 8 | cfg[off + 2] << 16 |
			       (uint32_t)cfg[off + 3] << 24;

		if ((hdr & 0xffff) == 0x000f) {
			unsigned int ctl = cfg[off + 6] | cfg[off + 7] << 8;

			printf("ats: capability at 0x%x, control 0x%04x, enabled %u\n",
			       off, ctl, ctl >> 15 & 1);
			return 0;
		}
		off = hdr >> 20;
	}
	printf("ats: no ATS capability\n");
	return 2;
}
