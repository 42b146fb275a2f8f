#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the series' userspace checker, tools/testing/vtd, in target
# $LAB_TARGET's tree at REF (default: the series):
# `make -C tools/testing/vtd clean check`.
#
#   checker.sh [REF [LOG]]
#
# TAP on stdout: the checker's own plan and test points (one per case
# matrix), then its state counts as comments. Its whole output (a line per
# transition and mode, counterexamples) goes to LOG
# ($TOUT/logs/checker.log). A build failure, a timeout, a crash or output
# that disagrees with the exit status is a "not ok" of its own, and the
# plan then counts it.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
lab_target "${LAB_TARGET:?LAB_TARGET unset}"

ref=${1:-$LAB_SERIES_BRANCH}
log=${2:-$TOUT/logs/checker.log}
dir=$LAB_SRC/tools/testing/vtd

kgit checkout -q -f --detach "$ref" || die checker "cannot check out $ref"
if [ ! -f "$dir/Makefile" ]; then
	printf '1..1\nnot ok - tools/testing/vtd: not in %s\n' "$ref"
	exit 1
fi
log "checker: make -C tools/testing/vtd check ($LAB_TARGET $ref)"
timeout "${LAB_CHECKER_TIMEOUT:-300}" make -C "$dir" clean check >"$log" 2>&1
rc=$?
make -C "$dir" clean >/dev/null 2>&1
points=$(grep -E '^(not )?ok ' "$log")
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log")
n=$(grep -cE '^(not )?ok ' <<<"$points")
[ -n "$points" ] || n=0
extra=
if [ $rc -eq 124 ]; then
	extra="not ok - tools/testing/vtd: timed out after ${LAB_CHECKER_TIMEOUT:-300}s (log: $log)"
elif [ -z "$plan" ] || [ "$n" -ne "$plan" ]; then
	extra="not ok - tools/testing/vtd: exit $rc, $n test points for a plan of '${plan:-none}' (build failure or crash? log: $log)"
elif [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$points"; then
	extra="not ok - tools/testing/vtd: exit $rc with every test point ok (log: $log)"
elif [ $rc -eq 0 ] && grep -q '^not ok' <<<"$points"; then
	extra="not ok - tools/testing/vtd: exit 0 with a failed test point (log: $log)"
fi
echo "1..$((n + (${#extra} > 0 ? 1 : 0)))"
[ -n "$points" ] && echo "$points"
if [ -n "$extra" ]; then
	echo "$extra"
	tail -n 15 "$log" | sed 's/^/#   /'
fi
grep -E '^# [0-9]+ states in' "$log"
[ -z "$extra" ] && ! grep -q '^not ok' <<<"$points"
