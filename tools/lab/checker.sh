#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the series' userspace checker, tools/testing/vtd, in the lab tree at
# REF (default: the series): `make -C tools/testing/vtd clean check`.
#
#   checker.sh [REF [TAP]]
#
# Its TAP test points (one per case matrix) go to TAP (default
# $LAB_OUT/checker.tap), its whole output (a line per transition and mode,
# counterexamples) to $LAB_OUT/logs/NAME.log, NAME being TAP's. A build failure, a timeout, a crash or output
# that disagrees with the exit status is a "not ok" of its own.
. "$(dirname "$0")/lib.sh"

ref=${1:-$LAB_SERIES_BRANCH}
out=${2:-$LAB_OUT/checker.tap}
log=$LAB_OUT/logs/$(basename "${out%.tap}").log
dir=$LAB_SRC/tools/testing/vtd
: >"$out"

kgit checkout -q -f "$ref" || die checker "cannot check out $ref"
if [ ! -f "$dir/Makefile" ]; then
	echo "not ok - tools/testing/vtd: not in $ref" >>"$out"
	exit 1
fi
log "checker: make -C tools/testing/vtd check ($ref)"
timeout "${LAB_CHECKER_TIMEOUT:-300}" make -C "$dir" clean check >"$log" 2>&1
rc=$?
make -C "$dir" clean >/dev/null 2>&1
grep -E '^(not )?ok ' "$log" >>"$out"
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log")
n=$(grep -cE '^(not )?ok ' "$out")
if [ $rc -eq 124 ]; then
	echo "not ok - tools/testing/vtd: timed out after ${LAB_CHECKER_TIMEOUT:-300}s (log: $log)" >>"$out"
elif [ -z "$plan" ] || [ "$n" -ne "$plan" ]; then
	echo "not ok - tools/testing/vtd: exit $rc, $n test points for a plan of '${plan:-none}' (build failure or crash? log: $log)" >>"$out"
	tail -n 15 "$log" | sed 's/^/#   /' >>"$out"
elif [ $rc -ne 0 ] && ! grep -q '^not ok' "$out"; then
	echo "not ok - tools/testing/vtd: exit $rc with every test point ok (log: $log)" >>"$out"
elif [ $rc -eq 0 ] && grep -q '^not ok' "$out"; then
	echo "not ok - tools/testing/vtd: exit 0 with a failed test point (log: $log)" >>"$out"
fi
grep -E '^# [0-9]+ states in' "$log" >>"$out"
! grep -q '^not ok' "$out"
