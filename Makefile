# SPDX-License-Identifier: GPL-2.0
# VT-d entry-ownership series (one per target: patches/<target>/) and
# their lab. See README.md.
#   make         every target: base + series, both kernels, QEMU matrix
#                and kdump runs, one comparison table per target
#   make check   every target: static checks, checker, QEMU matrix, kdump,
#                guards on the base, mutants; shellcheck; harness self-test;
#                "N passed, N failed, N skipped"
#   make bench   as make, more switches per run, for the figures
#   make bisect  every patch of every series built and run through the matrix
#   make mutants each known handshake bug put back must fail KUnit / the checker
# LAB_TARGETS="6.12.y" and LAB_MODES="scalable-fs:on" narrow any of them.

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
