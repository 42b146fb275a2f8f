# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash # sourced by guest/init (busybox sh), helpers from guest/tap.sh
# kunit: report every KUnit suite built into the kernel (they ran at boot)
# as one TAP line, with the failing cases named. No suites: skipped.

K=/sys/kernel/debug/kunit
found=0
for d in "$K"/*/; do
	[ -f "$d/results" ] || continue
	found=1
	suite=$(basename "$d")
	res=$d/results
	if grep -q "^not ok [0-9]* $suite\$\|^not ok [0-9]* $suite " "$res"; then
		tap_fail "kunit: $suite"
		grep '^ *not ok' "$res" | sed 's/^/#   /' >&3
	elif grep -q "^ok [0-9]* $suite\( \|\$\)" "$res"; then
		tap_ok "kunit: $suite ($(grep -c '^ *ok ' "$res") ok lines)"
	else
		tap_fail "kunit: $suite (no result line)"
		sed 's/^/#   /' "$res" >&3
	fi
done
[ $found -eq 1 ] || tap_skip "kunit: suites" "no KUnit suite built into this kernel"
