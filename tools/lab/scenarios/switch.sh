# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash # sourced by guest/init (busybox sh), helpers from guest/tap.sh
# switch: LAB_ITERS (rounded up to even) identity<->DMA switches of the edu group.
#  1. count: no other DMA; counts QI descriptors (intel_iommu:qi_submit,
#     by type) and qi_submit_sync() round trips (a kprobe) per switch.
#  2. stress: the same switches while the disk does verified O_DIRECT I/O.
# In the scalable modes, edu's and the disk's entries are checked to have
# the mode's stage (PGTT), so first-stage mode switches first-stage entries.
# Every switch is checked by reading the group type back.

edu=$(lab_pci_dev 0x1234 0x11e8) || { tap_fail "switch: edu device present"; return 0; }
grp=$(readlink -f "$edu/iommu_group")
T=/sys/kernel/tracing
n=$(( (LAB_ITERS + 1) / 2 * 2 ))	# even: edu ends in its DMA domain

# 1. count
echo 0 >$T/tracing_on
echo 8192 >$T/buffer_size_kb
if ! echo 'p:lab/qi_sync qi_submit_sync' >>$T/kprobe_events; then
	tap_fail "switch: kprobe on qi_submit_sync()"
	return 0
fi
echo 1 >$T/events/intel_iommu/qi_submit/enable
echo 1 >$T/events/lab/qi_sync/enable
echo >$T/trace
echo 1 >$T/tracing_on
out=$(labswitch "$grp" $n 2>&1)
rc=$?
echo 0 >$T/tracing_on
tap_diag "$out"
if [ $rc -ne 0 ]; then
	tap_fail "switch: $n identity<->DMA switches of the edu group"
	return 0
fi
tap_ok "switch: $n identity<->DMA switches of the edu group"
overrun=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }')
tap_check "switch: trace buffer kept every event (overrun $overrun)" test "$overrun" -eq 0
cat $T/trace >/tmp/switch.trace
echo 0 >$T/events/intel_iommu/qi_submit/enable
echo 0 >$T/events/lab/qi_sync/enable
echo '-:lab/qi_sync' >>$T/kprobe_events

desc=$(grep -c ' qi_submit: ' /tmp/switch.trace)
sync=$(grep -c ' qi_sync: ' /tmp/switch.trace)
per() { awk -v a="$1" -v b="$n" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
tap_metric qi_desc_per_switch "$(per "$desc")"
tap_metric qi_sync_per_switch "$(per "$sync")"
for t in cc_inv iotlb_inv dev_tlb_inv pc_inv p_iotlb_inv p_dev_tlb_inv iec_inv; do
	c=$(grep -c " qi_submit: $t " /tmp/switch.trace)
	[ "$c" -gt 0 ] && tap_metric "qi_${t}_per_switch" "$(per "$c")"
done
s=$(echo "$out" | sed -n 's/.*, \([0-9.]*\) s per switch/\1/p')
tap_metric seconds_per_switch "${s:-0}"
tap_check "switch: the switches submitted invalidations ($desc descriptors)" test "$desc" -gt 0
# The switches went through entries of this mode's stage: edu ends in a
# DMA domain (n even), and the disk whose I/O is verified below is in one.
lab_check_stage switch "${edu##*/0000:}"
lab_check_stage switch 00:05.0

# 2. stress
if [ ! -b /dev/vda ]; then
	tap_fail "switch: disk I/O during switches (no /dev/vda)"
	return 0
fi
rm -f /tmp/disk.stop
labdisk /dev/vda 16 /tmp/disk.stop >/tmp/disk.out 2>&1 &
dpid=$!
out=$(labswitch "$grp" $n 2>&1)
rc=$?
touch /tmp/disk.stop
wait $dpid
drc=$?
tap_diag "$out"
tap_diag "$(cat /tmp/disk.out)"
if [ $rc -eq 0 ]; then
	tap_ok "switch: $n switches during disk I/O"
else
	tap_fail "switch: $n switches during disk I/O"
fi
if [ $drc -eq 0 ]; then
	tap_ok "switch: disk data intact after write, drop caches, read back"
else
	tap_fail "switch: disk data intact after write, drop caches, read back"
fi
tap_check "switch: edu group back in a DMA domain" grep -qx DMA "$grp/type"
