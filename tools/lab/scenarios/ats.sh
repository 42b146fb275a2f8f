# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash # sourced by guest/init (busybox sh), helpers from guest/tap.sh
# ats: an ATS-capable device without a driver (virtio-rng-pci,ats=on behind
# a PCIe root port, intel-iommu device-iotlb=on; virtio-pci unbound) switched LAB_ITERS times
# between identity and DMA. The driver enables ATS when it attaches a DMA
# domain, so every detach from a DMA domain tears down an entry whose
# translations the device may have cached: VT-d 6.5.3.3 asks for a
# device-TLB invalidation then. Counted per switch from intel_iommu:qi_submit.
# Fails on a kernel that disables ATS before the teardown (the device-TLB
# step is then skipped), as the base does.
# The device has no driver and does no DMA (QEMU 10 would not translate
# it anyway: no iommu_platform); what counts is what the kernel sends.
# lab-fixed-by: 6.12.y: iommu/vt-d: Disable ATS only after tearing down the entry on detach
# lab-fixed-by: 6.1.y: iommu/vt-d: Disable ATS only after tearing down the entry on detach
# lab-guard-line: ats: every detach from a DMA domain invalidated the device TLB

dev=$(lab_pci_dev 0x1af4 0x1044) || { tap_fail "ats: virtio-rng device present"; return 0; }
grp=$(readlink -f "$dev/iommu_group")
T=/sys/kernel/tracing
# virtio-pci (built in for the disk) binds it; the group type can change
# only without a driver.
[ -e "$dev/driver" ] && basename "$dev" >"$dev/driver/unbind"
tap_check "ats: device alone in its IOMMU group without a driver" \
	sh -c "[ \$(ls $grp/devices | wc -l) -eq 1 ] && [ ! -e $dev/driver ]"

out=$(labats "$dev")
rc=$?
tap_diag "$out (type $(cat "$grp/type"))"
if [ $rc -ne 0 ]; then
	tap_fail "ats: device exposes an ATS capability"
	return 0
fi
tap_check "ats: ATS enabled while in a DMA domain" sh -c "labats $dev | grep -q 'enabled 1'"

echo 0 >$T/tracing_on
echo 1 >$T/events/intel_iommu/qi_submit/enable
detach=0
flushed=0
total=0
i=0
while [ $i -lt "$LAB_ITERS" ]; do
	from=$(cat "$grp/type")
	echo >$T/trace
	echo 1 >$T/tracing_on
	if ! labswitch "$grp" 1 >/dev/null 2>/tmp/ats.err; then
		echo 0 >$T/tracing_on
		tap_fail "ats: switch $i from $from: $(cat /tmp/ats.err)"
		echo 0 >$T/events/intel_iommu/qi_submit/enable
		return 0
	fi
	echo 0 >$T/tracing_on
	c=$(grep -c ' qi_submit: dev_tlb_inv ' $T/trace)
	total=$((total + c))
	if [ "$from" = DMA ]; then
		detach=$((detach + 1))
		[ "$c" -gt 0 ] && flushed=$((flushed + 1))
	fi
	i=$((i + 1))
done
echo 0 >$T/events/intel_iommu/qi_submit/enable
tap_metric ats_dev_tlb_inv_per_switch "$(awk -v a="$total" -v b="$LAB_ITERS" 'BEGIN { printf "%.2f", a / b }')"
tap_check "ats: every detach from a DMA domain invalidated the device TLB ($flushed of $detach)" \
	test "$detach" -gt 0 -a "$flushed" -eq "$detach"
