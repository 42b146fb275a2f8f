#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# summary.sh LABEL=FILE...: number the unnumbered TAP lines of each FILE
# into one TAP stream on stdout (each description prefixed with LABEL) and
# end with "N passed, N failed, N skipped". $LAB_TAP_HEADER, if set, is
# printed as comments after the TAP version line. A FILE that is missing counts as
# one failure. Exit 0 when nothing failed.
set -u
echo "TAP version 13"
[ -n "${LAB_TAP_HEADER:-}" ] && printf '%s\n' "$LAB_TAP_HEADER" | sed 's/^/# /'
awk '
function emit(label, line,   st, rest) {
	n++
	if (line ~ /^not ok/) { st = "not ok"; rest = substr(line, 7); failed++ }
	else { st = "ok"; rest = substr(line, 3)
		if (rest ~ /# SKIP/) skipped++; else passed++ }
	sub(/^ *[0-9]* *-? */, "", rest)
	printf "%s %d - %s: %s\n", st, n, label, rest
}
BEGIN {
	for (i = 1; i < ARGC; i++) {
		split(ARGV[i], kv, "=")
		label = kv[1]; file = substr(ARGV[i], length(label) + 2)
		if ((getline line < file) <= 0) {
			emit(label, "not ok - results missing: " file)
			continue
		}
		do {
			if (line ~ /^(not )?ok/) emit(label, line)
			else if (line ~ /^#/) print line
		} while ((getline line < file) > 0)
		close(file)
	}
	printf "1..%d\n", n
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	exit (failed > 0 ? 1 : 0)
}' "$@"
