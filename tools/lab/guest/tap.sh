# SPDX-License-Identifier: GPL-2.0
# TAP helpers for guest scenarios (busybox sh). Output goes to fd 3, the
# lab's TAP channel (/dev/ttyS1); the kernel log stays on ttyS0. Test
# numbers are omitted (TAP allows it); the plan is printed at the end.

TAP_COUNT=/tmp/tap.count

_tap_bump() {
	local n
	n=$(cat $TAP_COUNT 2>/dev/null || echo 0)
	echo $((n + 1)) >$TAP_COUNT
}
tap_ok() { _tap_bump; echo "ok - $*" >&3; }
tap_fail() { _tap_bump; echo "not ok - $*" >&3; }
tap_skip() { _tap_bump; echo "ok - $1 # SKIP $2" >&3; }
tap_diag() { printf '%s\n' "$*" | sed 's/^/# /' >&3; }
tap_metric() { echo "# metric $1=$2" >&3; }
# tap_check DESC CMD...: ok when CMD succeeds; its output goes to the
# diagnostics when it fails. Returns 0 either way: the result is in the
# TAP line, and a scenario whose last check failed has not aborted.
tap_check() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$d"
	else
		tap_fail "$d"
		[ -n "$out" ] && echo "$out" | sed 's/^/#   /' >&3
	fi
	return 0
}
tap_plan() { echo "1..$(cat $TAP_COUNT 2>/dev/null || echo 0)" >&3; }

# Helpers shared by scenarios.
lab_pci_dev() { # VENDOR DEVICE -> first sysfs path
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}
lab_reg() { # NAME -> value of an IOMMU register from debugfs (dmar0)
	awk -v r="$1" '$1 == r { print $3; exit }' \
		/sys/kernel/debug/iommu/intel/iommu_regset
}
lab_sm() { # true in the scalable modes (scalable-ss, scalable-fs)
	case "$LAB_MODE" in scalable*) return 0 ;; esac
	return 1
}
# lab_pasid_qw0 BDF: qword 0 of BDF's RID_PASID (PASID 0) entry, from
# debugfs (dmar_translation_struct: BDF, root, context, PASID,
# val[2]:val[1]:val[0]); empty when there is none.
lab_pasid_qw0() {
	awk -v d="$1" '$1 == d && $4 == 0 { n = split($5, p, ":"); print p[n]; exit }' \
		/sys/kernel/debug/iommu/intel/dmar_translation_struct
}
# lab_pgtt BDF: "present PGTT" of that entry (PGTT: qword 0 bits 8:6,
# 1 first-stage, 2 second-stage, 3 nested, 4 pass-through), or "none".
lab_pgtt() {
	local q
	q=$(lab_pasid_qw0 "$1")
	[ -n "$q" ] || { echo none; return; }
	echo "$((q & 1)) $((q >> 6 & 7))"
}
# lab_want_pgtt: the PGTT a DMA domain must have in this run's mode.
lab_want_pgtt() {
	case "$LAB_MODE" in
	scalable-fs) echo 1 ;;
	scalable-ss) echo 2 ;;
	esac
}
# lab_check_stage WHAT BDF: in scalable mode, BDF's RID_PASID entry must be
# present with the PGTT of this run's mode: a mode that silently falls back
# to the other stage fails here.
lab_check_stage() {
	local want got
	want=$(lab_want_pgtt)
	[ -n "$want" ] || return 0
	got=$(lab_pgtt "$2")
	tap_check "$1: $2's DMA domain in a present PASID entry with PGTT $want ($LAB_MODE; got present,PGTT = $got)" \
		test "$got" = "1 $want"
}
