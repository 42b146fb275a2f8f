#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prove the tests can fail: apply each tools/lab/mutants/NAME.patch (a bug
# the handshake forbids, put back into the series) on top of the series
# and require every suite the patch names to fail on it. A mutant names
# its suites in lines "# lab-caught-by: SUITE":
#   intel-iommu-entry  the KUnit suite: build, boot, run it
#   vtd-check          the userspace checker: make -C tools/testing/vtd check
#   kdump              the kdump scenario, in each of LAB_KDUMP_MODES: it
#                      must fail on an invalidation check while the crash
#                      kernel itself booted and finished
# TAP in $LAB_OUT/mutants.tap, one line per mutant and suite:
#   ok      the suite failed on the mutant (the first failed rule is quoted)
#   not ok  the mutant survived, no longer applies, or the run broke in
#           another way (a hang, panic or build failure proves nothing)
# Needs tools/lab/base.sh and initramfs.sh.
. "$(dirname "$0")/lib.sh"

out=$LAB_OUT/mutants.tap
: >"$out"
mode=${LAB_MUTANT_MODE:-scalable}
cm=${LAB_MUTANT_CM:-on}

shopt -s nullglob
mutants=("$LAB_DIR"/mutants/*.patch)
[ ${#mutants[@]} -gt 0 ] || die mutants "no mutant in $LAB_DIR/mutants"

# mutant_kernel NAME REF: kernels/mutant-NAME.bzImage built from REF, once
# for all the suites that boot it.
mutant_kernel() {
	[ -f "$LAB_OUT/kernels/mutant-$1.bzImage" ] &&
		[ "$(cat "$LAB_OUT/kernels/mutant-$1.commit")" = "$2" ] && return
	"$LAB_DIR/kernel.sh" image "$2" "mutant-$1" || exit
}

# The KUnit suite on a mutant kernel.
catch_kunit() {
	local name=$1 ref=$2 suite=$3 dir res why
	log "mutant $name: build and run ($mode mode, caching-mode=$cm)"
	mutant_kernel "$name" "$ref"
	dir=$LAB_OUT/runs/mutant-$name/$mode-cm$cm
	"$LAB_DIR/qemu.sh" "$LAB_OUT/kernels/mutant-$name.bzImage" "$mode" "$cm" \
		"$dir" kunit 1 >/dev/null 2>&1 || true
	res=$dir/result.tap
	why=$(grep -A1 'EXPECTATION FAILED' "$dir/console.log" 2>/dev/null |
		grep -v 'EXPECTATION FAILED\|^--' | head -n 1 | sed 's/^ *//')
	if grep -q "^not ok .* kunit: $suite\$" "$res" 2>/dev/null; then
		echo "ok - mutant $name: caught by $suite: ${why:-see $dir}"
	elif grep -q "^ok .* kunit: $suite " "$res" 2>/dev/null; then
		echo "not ok - mutant $name: survived, $suite passed"
	else
		echo "not ok - mutant $name: the run broke before $suite could judge it (see $dir)"
		grep '^not ok' "$res" 2>/dev/null | sed 's/^/#   /'
	fi
}

# The kdump scenario on a mutant kernel: caught when an invalidation check
# of the crash kernel fails in a run that otherwise worked.
catch_kdump() {
	local name=$1 ref=$2 md dir res
	mutant_kernel "$name" "$ref"
	[ -n "$LAB_KDUMP_MODES" ] ||
		echo "not ok - mutant $name: kdump cannot judge it, LAB_KDUMP_MODES is empty"
	for dir in $(kdump_runs "$LAB_OUT/kernels/mutant-$name.bzImage" \
			"$LAB_OUT/runs/mutant-$name"); do
		md=${dir##*/kdump-}
		res=$dir/result.tap
		if ! grep -q '^ok - guest finished' "$res" 2>/dev/null ||
		   ! grep -q '^ok - kdump: crash kernel booted' "$res"; then
			echo "not ok - mutant $name: kdump $md: the run broke before the scenario could judge it (see $dir)"
			grep '^not ok' "$res" 2>/dev/null | sed 's/^/#   /'
		elif grep -q '^not ok - kdump: .*invalidation' "$res"; then
			echo "ok - mutant $name: caught by kdump ($md): $(grep -m1 '^not ok - kdump: .*invalidation' "$res" | sed 's/^not ok - kdump: //')"
		else
			echo "not ok - mutant $name: survived, kdump ($md) passed"
		fi
	done
}

# The userspace checker on the mutant tree: it must find a counterexample.
catch_checker() {
	local name=$1 ref=$2 tap=$LAB_OUT/mutant-$name.checker.tap why
	local log=$LAB_OUT/logs/mutant-$name.checker.log
	"$LAB_DIR/checker.sh" "$ref" "$tap" >/dev/null 2>&1
	why=$(sed -n 's/^# counterexample: //p' "$log" 2>/dev/null | head -n 1)
	if grep -q '^not ok .* counterexample above' "$tap" && [ -n "$why" ]; then
		echo "ok - mutant $name: caught by vtd-check: $why"
	elif grep -q '^not ok' "$tap"; then
		echo "not ok - mutant $name: vtd-check broke without a counterexample (see $log)"
		grep '^not ok' "$tap" | sed 's/^/#   /'
	else
		echo "not ok - mutant $name: survived, vtd-check passed"
	fi
}

for m in "${mutants[@]}"; do
	name=$(basename "$m" .patch)
	mapfile -t suites < <(sed -n 's/^# lab-caught-by: //p' "$m")
	if [ ${#suites[@]} -eq 0 ]; then
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
	for suite in "${suites[@]}"; do
		case $suite in
		vtd-check) catch_checker "$name" "$ref" ;;
		intel-iommu-entry) catch_kunit "$name" "$ref" "$suite" ;;
		kdump) catch_kdump "$name" "$ref" ;;
		*) echo "not ok - mutant $name: unknown suite '$suite'" ;;
		esac >>"$out"
	done
done
kgit checkout -q -f "$LAB_SERIES_BRANCH"
! grep -q '^not ok' "$out"
