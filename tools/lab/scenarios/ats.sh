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
#
# Scalable mode: the detach tears down the device's RID_PASID entry, and
# that teardown is complete only with its device-TLB invalidation, sent
# after the entry's PASID-cache invalidation and before the driver moves
# on to the next entry's (VT-d 6.5.3.3; 6.1's intel_pasid_tear_down_entry()
# skipped it in caching mode until upstream 1f5e307ca16c). A context-entry
# teardown that follows and flushes the device TLB for its own entry does
# not count. Caught mutation: 6.1.y's set with its patch 1 reverted (the
# caching-mode condition back) fails this line in scalable mode with
# caching mode on (0 of 3) and passes it with caching mode off; so does
# the line above, since in 6.1's scalable mode that teardown is the
# detach's only device-TLB invalidation. The 6.1 base fails both in
# every scalable mode (ATS is already off at the teardown).
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

# pasid_teardown_flushed < TRACE: the first PASID-selective PASID-cache
# invalidation of PASID 0 (QI_PC_GRAN bits 5:4 = 1, PASID bits 51:32) is
# followed by a device-TLB invalidation before the next context-cache or
# PASID-cache invalidation.
pasid_teardown_flushed() {
	local t q state=0
	awk '{ for (i = 1; i <= NF; i++) if ($i == "qi_submit:") { print $(i + 1), $(i + 3); break } }' |
	(
		while read -r t q; do
			case "$state:$t" in
			0:pc_inv)
				[ $((q >> 4 & 3)) -eq 1 ] && [ $((q >> 32 & 0xfffff)) -eq 0 ] && state=1 ;;
			1:dev_tlb_inv) exit 0 ;;
			1:cc_inv | 1:pc_inv) exit 1 ;;
			esac
		done
		exit 1
	)
}

echo 0 >$T/tracing_on
echo 1 >$T/events/intel_iommu/qi_submit/enable
detach=0
flushed=0
pflushed=0
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
		pasid_teardown_flushed <$T/trace && pflushed=$((pflushed + 1))
	fi
	i=$((i + 1))
done
echo 0 >$T/events/intel_iommu/qi_submit/enable
tap_metric ats_dev_tlb_inv_per_switch "$(awk -v a="$total" -v b="$LAB_ITERS" 'BEGIN { printf "%.2f", a / b }')"
tap_check "ats: every detach from a DMA domain invalidated the device TLB ($flushed of $detach)" \
	test "$detach" -gt 0 -a "$flushed" -eq "$detach"
if lab_sm; then
	tap_check "ats: every detach's RID_PASID teardown invalidated the device TLB after its PASID-cache ($pflushed of $detach)" \
		test "$detach" -gt 0 -a "$pflushed" -eq "$detach"
else
	tap_diag "ats: legacy mode has no PASID entry to tear down"
fi
