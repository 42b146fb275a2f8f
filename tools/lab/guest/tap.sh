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
tap_diag() { echo "# $*" >&3; }
tap_metric() { echo "# metric $1=$2" >&3; }
# tap_check DESC CMD...: ok when CMD succeeds; its output goes to the
# diagnostics when it fails.
tap_check() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$d"
	else
		tap_fail "$d"
		[ -n "$out" ] && echo "$out" | sed 's/^/#   /' >&3
	fi
}
tap_plan() { echo "1..$(cat $TAP_COUNT 2>/dev/null || echo 0)" >&3; }

# Helpers shared by scenarios.
lab_pci_dev() { # VENDOR DEVICE -> first sysfs path
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor)" = "$1" ] && [ "$(cat $d/device)" = "$2" ] &&
			{ echo $d; return 0; }
	done
	return 1
}
lab_reg() { # NAME -> value of an IOMMU register from debugfs (dmar0)
	awk -v r="$1" '$1 == r { print $3; exit }' \
		/sys/kernel/debug/iommu/intel/iommu_regset
}
