# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash # sourced by guest/init (busybox sh), helpers from guest/tap.sh
# boot: DMAR came up in the mode this run asked for, with the devices the
# other scenarios need. In the scalable modes the edu device's DMA domain
# must sit in a present PASID entry whose PGTT is the mode's stage
# (first-stage with x-flts=on, second-stage with x-flts=off), read back
# from debugfs: a mode that falls back to the other stage fails. (The console log is checked on the host for WARN,
# BUG, KASAN, lockdep and DMAR faults.)

if [ ! -d /sys/class/iommu/dmar0 ]; then
	tap_fail "boot: DMAR initialised (no /sys/class/iommu/dmar0)"
	return 0
fi
tap_ok "boot: DMAR initialised"

gsts=$(lab_reg GSTS)
rtaddr=$(lab_reg RTADDR)
cap=0x$(cat /sys/class/iommu/dmar0/intel-iommu/cap)
if [ -z "$gsts" ] || [ -z "$rtaddr" ]; then
	tap_fail "boot: IOMMU registers readable from debugfs"
	return 0
fi
tap_diag "GSTS=$gsts RTADDR=$rtaddr CAP=$cap"
tap_check "boot: translation enabled (GSTS.TES)" test $((gsts >> 31 & 1)) -eq 1
tap_check "boot: interrupt remapping enabled (GSTS.IRES)" test $((gsts >> 25 & 1)) -eq 1
sm=$((rtaddr >> 10 & 1))
case "$LAB_MODE" in
scalable*) tap_check "boot: root table in scalable mode (RTADDR.TTM)" test $sm -eq 1 ;;
*) tap_check "boot: root table in legacy mode (RTADDR.TTM)" test $sm -eq 0 ;;
esac
cm=$((cap >> 7 & 1))
want=0
[ "$LAB_CM" = on ] && want=1
tap_check "boot: caching mode is $LAB_CM (CAP.CM)" test $cm -eq $want

edu=$(lab_pci_dev 0x1234 0x11e8)
if [ -z "$edu" ]; then
	tap_fail "boot: edu device present"
else
	grp=$(readlink -f "$edu/iommu_group")
	# shellcheck disable=SC2012 # counting sysfs entries (PCI addresses, no newlines)
	tap_check "boot: edu alone in its IOMMU group" \
		test "$(ls "$grp/devices" | wc -l)" -eq 1
	tap_check "boot: edu has no driver" test ! -e "$edu/driver"
	tap_check "boot: edu in a DMA domain" grep -qx 'DMA\|DMA-FQ' "$grp/type"
	lab_check_stage boot "${edu##*/0000:}"
fi

if [ -e /sys/block/vda ]; then
	vgrp=$(readlink -f /sys/block/vda/device/../iommu_group 2>/dev/null ||
	       readlink -f /sys/block/vda/device/iommu_group)
	tap_check "boot: disk behind the IOMMU in a DMA domain" \
		grep -qx 'DMA\|DMA-FQ' "$vgrp/type"
else
	tap_fail "boot: virtio disk /dev/vda present"
fi
