#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prove the KUnit suite can fail: apply each tools/lab/mutants/NAME.patch (a
# bug the handshake forbids, put back into the series) on top of the series,
# build, boot, and require the suite to fail. TAP in $LAB_OUT/mutants.tap:
#   ok      the suite failed on the mutant (the first failed rule is quoted)
#   not ok  the mutant survived, no longer applies, or the run broke in
#           another way (a hang or panic proves nothing about the suite)
# A mutant patch names the suite that must catch it in a line
# "# lab-caught-by: SUITE". Needs tools/lab/base.sh and initramfs.sh.
. "$(dirname "$0")/lib.sh"

out=$LAB_OUT/mutants.tap
: >"$out"
mode=${LAB_MUTANT_MODE:-scalable}
cm=${LAB_MUTANT_CM:-on}

shopt -s nullglob
mutants=("$LAB_DIR"/mutants/*.patch)
[ ${#mutants[@]} -gt 0 ] || die mutants "no mutant in $LAB_DIR/mutants"

for m in "${mutants[@]}"; do
	name=$(basename "$m" .patch)
	suite=$(sed -n 's/^# lab-caught-by: //p' "$m")
	if [ -z "$suite" ]; then
		echo "not ok - mutant $name: no '# lab-caught-by: SUITE' line" >>"$out"
		continue
	fi
	kgit checkout -q -f --detach "$LAB_SERIES_BRANCH" ||
		die mutants "cannot check out $LAB_SERIES_BRANCH"
	if ! kgit apply "$m" 2>"$LAB_OUT/logs/mutant-$name.apply"; then
		echo "not ok - mutant $name: no longer applies to the series" >>"$out"
		sed 's/^/#   /' "$LAB_OUT/logs/mutant-$name.apply" >>"$out"
		continue
	fi
	kgit -c user.name=lab -c user.email=lab@localhost commit -q -a \
		-m "lab mutant $name" || die mutants "cannot commit mutant $name"
	ref=$(kgit rev-parse HEAD)
	log "mutant $name: build and run ($mode mode, caching-mode=$cm)"
	"$LAB_DIR/kernel.sh" image "$ref" "mutant-$name" || exit
	dir=$LAB_OUT/runs/mutant-$name/$mode-cm$cm
	"$LAB_DIR/qemu.sh" "$LAB_OUT/kernels/mutant-$name.bzImage" "$mode" "$cm" \
		"$dir" kunit 1 >/dev/null 2>&1 || true
	res=$dir/result.tap
	why=$(grep -A1 'EXPECTATION FAILED' "$dir/console.log" 2>/dev/null |
		grep -v 'EXPECTATION FAILED\|^--' | head -n 1 | sed 's/^ *//')
	if grep -q "^not ok .* kunit: $suite\$" "$res" 2>/dev/null; then
		echo "ok - mutant $name: caught by $suite: ${why:-see $dir}" >>"$out"
	elif grep -q "^ok .* kunit: $suite " "$res" 2>/dev/null; then
		echo "not ok - mutant $name: survived, $suite passed" >>"$out"
	else
		echo "not ok - mutant $name: the run broke before $suite could judge it (see $dir)" >>"$out"
		grep '^not ok' "$res" 2>/dev/null | sed 's/^/#   /' >>"$out"
	fi
done
kgit checkout -q -f "$LAB_SERIES_BRANCH"
! grep -q '^not ok' "$out"
