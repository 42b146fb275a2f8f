# SPDX-License-Identifier: GPL-2.0
# VT-d entry-ownership series and its lab. See README.md.
#   make        base + series, build both kernels, QEMU matrix and kdump
#               runs, comparison
#   make check  static checks + tools/testing/vtd + QEMU matrix and kdump on the
#               series + mutants; "N passed, N failed, N skipped"
#   make bench  as make, more switches per run, for the figures
#   make bisect every patch of the series built and run through the matrix
#   make mutants each known handshake bug put back must fail KUnit / the checker

LAB := tools/lab/lab

.PHONY: all main check bench bisect mutants clean
all: main
main:
	@$(LAB) main
check:
	@$(LAB) check
bench:
	@$(LAB) bench
bisect:
	@$(LAB) bisect
mutants:
	@$(LAB) mutants
clean:
	rm -rf build
