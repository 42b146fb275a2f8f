# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash # sourced by guest/init (busybox sh), helpers from guest/tap.sh
# kunit: report every KUnit suite built into the kernel (they ran at boot):
# one TAP line per case ("kunit: SUITE.CASE", a skipped case as a skip
# with KUnit's reason) and one per suite. No suites: skipped.
#
# Caught: a case that fails is a "not ok" line of its own, which the
# lab's KUnit guards look for on the base with only the tests applied
# (tools/lab/lab, guards).

K=/sys/kernel/debug/kunit
found=0
for d in "$K"/*/; do
	[ -f "$d/results" ] || continue
	found=1
	suite=$(basename "$d")
	res=$d/results
	# Top-level cases are indented by four spaces; parameterized cases
	# nest deeper and are summed up in their case's line.
	sed -n 's/^    \(not ok\|ok\) [0-9]* \(.*\)$/\1|\2/p' "$res" >/tmp/kunit.cases
	while IFS='|' read -r st rest; do
		name=${rest%% # *}
		case "$st|$rest" in
		"ok|"*" # SKIP"*) tap_skip "kunit: $suite.$name" "${rest#* # SKIP }" ;;
		"ok|"*) tap_ok "kunit: $suite.$name" ;;
		*) tap_fail "kunit: $suite.$name" ;;
		esac
	done </tmp/kunit.cases
	if grep -q "^not ok [0-9]* $suite\$\|^not ok [0-9]* $suite " "$res"; then
		tap_fail "kunit: $suite"
		# What failed and why (KUnit's expectation reports), bounded.
		grep -v '^ *ok \|^KTAP\|^ *1\.\.' "$res" | head -n 40 | sed 's/^/#   /' >&3
	elif grep -q "^ok [0-9]* $suite\( \|\$\)" "$res"; then
		tap_ok "kunit: $suite ($(grep -c '^ok|' /tmp/kunit.cases) of $(wc -l </tmp/kunit.cases) cases ok, $(grep -c '^ok|.* # SKIP' /tmp/kunit.cases) of them skipped)"
	else
		tap_fail "kunit: $suite (no result line)"
		sed 's/^/#   /' "$res" >&3
	fi
done
[ $found -eq 1 ] || tap_skip "kunit: suites" "no KUnit suite built into this kernel"
