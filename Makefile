# SPDX-License-Identifier: GPL-2.0
# VT-d entry-ownership series and its lab. See README.md.
#   make        base + series, build both kernels, QEMU matrix, comparison
#   make check  static checks + QEMU matrix on the series; "N passed, N failed"
#   make bench  as make, more switches per run, for the figures

LAB := tools/lab/lab

.PHONY: all main check bench clean
all: main
main:
	@$(LAB) main
check:
	@$(LAB) check
bench:
	@$(LAB) bench
clean:
	rm -rf build
