#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prove the tests can fail: apply each tools/lab/mutants/NAME.patch (a bug
# the handshake forbids, put back into the series) on top of the series of
# target $LAB_TARGET (a mutant names its target: "# lab-target: T") and
# require every suite the patch names to fail on it. A mutant names its
# suites in lines "# lab-caught-by: SUITE":
#   intel-iommu-entry  the KUnit suite: build, boot, run it
#   vtd-check          the userspace checker: make -C tools/testing/vtd check
#   kdump              the kdump scenario, in each of LAB_KDUMP_MODES: it
#                      must fail on an invalidation check while the crash
#                      kernel itself booted and finished
# TAP on stdout (plan first: one line per mutant and suite, kdump once per
# LAB_KDUMP_MODES entry):
#   ok      the suite failed on the mutant (the first failed rule is quoted)
#   not ok  the mutant survived, no longer applies, its kernel does not
#           build, or the run broke in another way (a hang, panic or build
#           failure proves nothing); the loop goes on with the next
# LAB_MUTANTS (a directory) replaces tools/lab/mutants (the self-test).
# Needs tools/lab/base.sh and initramfs.sh.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
lab_target "${LAB_TARGET:?LAB_TARGET unset}"

mode=${LAB_MUTANT_MODE:-scalable-fs}
cm=${LAB_MUTANT_CM:-on}
mdir=${LAB_MUTANTS:-$LAB_DIR/mutants}
logs=$TOUT/logs

shopt -s nullglob
mutants=()
for m in "$mdir"/*.patch; do
	grep -qx "# lab-target: $LAB_TARGET" "$m" && mutants+=("$m")
done

# The plan: every (mutant, suite) pair, kdump once per kdump mode.
plan=0
for m in "${mutants[@]}"; do
	n=0
	while read -r s; do
		case $s in
		kdump) n=$((n + $(kdump_dirs . | wc -l))) ;;
		*) n=$((n + 1)) ;;
		esac
	done < <(sed -n 's/^# lab-caught-by: //p' "$m")
	plan=$((plan + (n > 0 ? n : 1)))
done
if [ ${#mutants[@]} -eq 0 ]; then
	# A full target is the one whose tests the mutants prove: none is a
	# failure (a renamed target, a lost "# lab-target:" line).
	echo "1..1"
	echo "not ok - mutants: no mutant names target $LAB_TARGET (\"# lab-target: $LAB_TARGET\")"
	exit 1
fi
echo "1..$plan"
: >"$logs/mutants.tap"

# mutant_kernel NAME REF: kernels/mutant-NAME.bzImage built from REF, once
# for all the suites that boot it; false when it does not build.
mutant_kernel() {
	[ -f "$TOUT/kernels/mutant-$1.bzImage" ] &&
		[ "$(cat "$TOUT/kernels/mutant-$1.commit")" = "$2" ] && return 0
	rm -f "$TOUT/kernels/mutant-$1".*
	# A subshell: kernel.sh's die must not end the loop.
	("$LAB_DIR/kernel.sh" image "$2" "mutant-$1") >"$logs/mutant-$1.kernel.log" 2>&1
}

# The KUnit suite on a mutant kernel.
catch_kunit() {
	local name=$1 ref=$2 suite=$3 dir res why
	log "mutant $name: build and run ($mode mode, caching-mode=$cm)"
	if ! mutant_kernel "$name" "$ref"; then
		echo "not ok - mutant $name: its kernel does not build, so $suite cannot judge it (see $logs/build-mutant-$name.log)"
		return
	fi
	dir=$TOUT/runs/mutant-$name/$mode-cm$cm
	"$LAB_DIR/qemu.sh" "$TOUT/kernels/mutant-$name.bzImage" "$mode" "$cm" \
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
	if [ -z "$LAB_KDUMP_MODES" ]; then
		echo "not ok - mutant $name: kdump cannot judge it, LAB_KDUMP_MODES is empty"
		return
	fi
	if ! mutant_kernel "$name" "$ref"; then
		for dir in $(kdump_dirs .); do
			echo "not ok - mutant $name: its kernel does not build, so kdump (${dir##*/kdump-}) cannot judge it (see $logs/build-mutant-$name.log)"
		done
		return
	fi
	for dir in $(kdump_dirs "$TOUT/runs/mutant-$name"); do
		kdump_run "$TOUT/kernels/mutant-$name.bzImage" "$dir" >/dev/null
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
	local name=$1 ref=$2 why
	local tap=$TOUT/mutant-$name.checker.tap log=$logs/mutant-$name.checker.log
	("$LAB_DIR/checker.sh" "$ref" "$log" >"$tap") 2>/dev/null
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
		echo "not ok - mutant $name: no '# lab-caught-by: SUITE' line" | tee -a "$logs/mutants.tap"
		continue
	fi
	kgit checkout -q -f --detach "$LAB_SERIES_BRANCH" ||
		die mutants "cannot check out $LAB_SERIES_BRANCH"
	if ! kgit apply "$m" 2>"$logs/mutant-$name.apply"; then
		for suite in "${suites[@]}"; do
			echo "not ok - mutant $name: no longer applies to the series ($suite cannot judge it)"
			[ "$suite" = kdump ] && kdump_dirs . | sed 1d |
				sed "s/.*/not ok - mutant $name: no longer applies to the series (kdump)/"
		done
		sed 's/^/#   /' "$logs/mutant-$name.apply"
		echo "not ok" >>"$logs/mutants.tap"
		continue
	fi
	# A fixed date: the same mutant is the same commit in every run, so
	# its kernel, kept in $TOUT/kernels, is rebuilt only when it changes.
	GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' \
		kgit commit -q -a -m "lab mutant $name" || die mutants "cannot commit mutant $name"
	ref=$(kgit rev-parse HEAD)
	for suite in "${suites[@]}"; do
		case $suite in
		vtd-check) catch_checker "$name" "$ref" ;;
		intel-iommu-entry) catch_kunit "$name" "$ref" "$suite" ;;
		kdump) catch_kdump "$name" "$ref" ;;
		*) echo "not ok - mutant $name: unknown suite '$suite'" ;;
		esac | tee -a "$logs/mutants.tap"
	done
done
kgit checkout -q -f "$LAB_SERIES_BRANCH"
! grep -q '^not ok' "$logs/mutants.tap" 2>/dev/null
