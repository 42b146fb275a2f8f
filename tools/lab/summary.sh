#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# summary.sh LABEL=FILE...: one TAP stream on stdout from the results of
# every step, each description prefixed with its LABEL, ending with
# "N passed, N failed, N skipped". $LAB_TAP_HEADER, if set, is printed as
# comments after the TAP version line. Exit 0 when nothing failed.
#
# A step cannot pass by accident. Each FILE must declare its plan (a line
# "1..N"); a step whose FILE
#   is missing                                  (the step never ran)
#   has no plan                                 (it did not say what it would do)
#   has fewer or more results than its plan     (it died half-way, or miscounted)
#   has FILE.rc not 0 with no failed result     (it failed and said nothing)
#   has FILE.rc 2 or more                       (the lab itself broke)
# gets a failed line naming LABEL and the reason. FILE.err, if present,
# holds the step's error output; its "ERROR [...]" lines are quoted.
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
function slurp(f,   l, s) {
	s = ""
	while ((getline l < f) > 0) s = s l "\n"
	close(f)
	return s
}
BEGIN {
	for (i = 1; i < ARGC; i++) {
		split(ARGV[i], kv, "=")
		label = kv[1]; file = substr(ARGV[i], length(label) + 2)
		r = (getline line < file)
		rc = slurp(file ".rc"); gsub(/[^0-9]/, "", rc)
		err = ""
		if ((getline l < (file ".err")) > 0) {
			do { if (l ~ /ERROR \[/) err = l } while ((getline l < (file ".err")) > 0)
			close(file ".err")
		}
		sub(/^\[lab [^]]*\] /, "", err)
		if (r < 0) {
			if (rc != "" && rc + 0 != 0)
				emit(label, "not ok - results missing: " file ": the step exited " rc (err != "" ? ": " err : ""))
			else
				emit(label, "not ok - results missing: " file " (the step never ran)")
			continue
		}
		plan = -1; results = 0; nfail = 0
		if (r > 0) do {
			if (line ~ /^(not )?ok/) {
				emit(label, line); results++
				if (line ~ /^not ok/) nfail++
			} else if (line ~ /^1\.\.[0-9]+/) {
				plan = substr(line, 4) + 0
			} else if (line ~ /^#/) print line
		} while ((getline line < file) > 0)
		close(file)
		if (plan < 0)
			emit(label, "not ok - step declared no plan (1..N): its results cannot be trusted (" file ")")
		else if (results < plan)
			emit(label, "not ok - step wrote " results " of the " plan " results it declared: it stopped early" (err != "" ? ": " err : ""))
		else if (results > plan)
			emit(label, "not ok - step wrote " results " results, more than the " plan " it declared")
		if (rc != "" && rc + 0 >= 2)
			emit(label, "not ok - step broke, exit " rc (err != "" ? ": " err : "") " (" file ".err)")
		else if (rc != "" && rc + 0 != 0 && nfail == 0)
			emit(label, "not ok - step exited " rc " without a failed result")
	}
	printf "1..%d\n", n
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	exit (failed > 0 ? 1 : 0)
}' "$@"
