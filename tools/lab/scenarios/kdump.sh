# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash # sourced by guest/init (busybox sh), helpers from guest/tap.sh
# kdump: a crash kernel inherits live translation tables and tears the
# copied context entries down through the handshake.
#
# First kernel (booted with crashkernel=, run alone: it ends in a panic):
# reads the context entry of the disk (00:05.0, virtio-blk with
# iommu_platform=on, so its DMA is translated) and of edu from debugfs,
# does disk DMA, loads the crash kernel (bzImage and initramfs from the
# payload disk /dev/vdb, a tar written by the host) with kexec_file_load,
# and panics through sysrq.
#
# Crash kernel (lab.run=kdump, /proc/vmcore present): translation was
# already enabled and the tables were copied; probing the disk tore its
# copied entry down with the invalidations VT-d 6.5.3.3 asks for before
# the entry is reused, seen in intel_iommu:qi_submit (enabled from boot):
#   legacy:   context-cache, device-selective for the disk's SID with the
#             old DID (or global); IOTLB for the old DID (or global)
#   scalable: context-cache for the disk's SID (or global); PASID-cache,
#             global (which DIDs and PASIDs the old tables used is
#             unknown); IOTLB, global
# and DMA works: the ELF header and first MiB of /proc/vmcore are written
# to the disk, read back and compared; the host checks the disk image
# (ELF magic, ELFCLASS64, ET_CORE, checksum) in kdump.host.
#
# The payload disk sits behind a PCIe root port with ATS, which the first
# kernel enables when it attaches the DMA domain (checked). Whether its
# copied entry's teardown in the crash kernel reaches the device-TLB is
# reported, not judged, because it depends on the kernel, not only on the
# fix: 6.12 and 7.3 call pci_prepare_ats() when they probe the device,
# which rewrites ATS Control with Enable clear before the attach tears
# the copied entry down, so a step gated on ATS Control (mainline's and
# 6.12.y's copied-entry fix) finds ATS off in legacy mode (0 device-TLB;
# 7.3's own scalable-mode path sends one, its ATS already re-enabled).
# That is not a gap: with Enable clear the device may not use its ATC,
# and setting Enable again is an implicit ATC invalidation (PCIe 10.3.7
# as read in upstream 8dd8f005bdd4's message; we have no copy of the
# spec). 6.1 has no such call: its set sends one in both modes, its base
# none.
#
# Pass-through variant (lab.kdump.crash_pt=1: tools/lab's kdump mode
# MODE:CM:pt): the crash kernel alone boots with iommu.passthrough=1, as
# it does when kdump reuses a command line with iommu=pt in it; the disk
# is in a DMA domain at the crash and in the identity domain in the
# crash kernel (checked). The checks are the same: its copied entry must
# be torn down with those invalidations when its identity domain is
# attached. On v7.3-rc7 and 6.12.117 it never is: the core defers the
# attach of every device in a kdump kernel that found translation
# enabled, only a DMA API call completes it, and an identity domain
# makes none; the disk's first read faults through the previous
# kernel's tables, virtio-blk's probe never completes, and the guest
# hangs (# lab-guard-hang: the guard then requires QEMU's DMAR faults
# from the disk and judges the order rule from QEMU's trace).
# 6.1.192 hangs the same way (in legacy mode too), and its set's
# backport of the core fix passes; that is not a guard of 6.1.y's here
# (its kdump guard is the handshake fix's), only make's comparison.
# Mainline's and 6.12.y's "iommu: Attach a deferred identity default
# domain when a driver binds" completes the attach at the driver's bind;
# with it but without "iommu/vt-d: Replace a copied context entry before
# an identity attach" (the mutation, tried by hand on v7.3-rc7), the
# identity attach leaves the copied scalable-mode entry in place and the
# run still hangs with the same faults.
#
# Caught mutant: skipping the copied-path invalidations
# (tools/lab/mutants/skip-copied-invalidation.patch) leaves no
# invalidation for the disk's SID in the crash kernel's trace.
# The host checks the order from QEMU's side too (kdump.host): Present
# was clear when QEMU ran the disk's context-cache invalidation, and the
# IOTLB invalidation came after it.
# Guard (tools/lab/lab, guards): 6.1.192 invalidates a copied context
# entry while it is still present and clears Present after (and, in
# scalable mode, uses a "DID" read from RID_PASID bits and sends no
# PASID-cache invalidation); its stable set fixes that. The base must
# fail QEMU's order rule in both modes.
# lab-fixed-by: 6.1.y: iommu/vt-d: Tear a copied context entry down through the handshake
# lab-guard-line: 6.1.y: kdump: QEMU found the disk's copied entry not present
# lab-guard-mode: 6.1.y: legacy:off scalable-fs:on
# lab-fixed-by: mainline: iommu: Attach a deferred identity default domain when a driver binds
# lab-guard-line: mainline: kdump: QEMU found the disk's copied entry not present
# lab-guard-mode: mainline: scalable-fs:on:pt
# lab-guard-hang: mainline: vtd_dmar_fault sid 0x28
# lab-fixed-by: 6.12.y: iommu: Attach a deferred identity default domain when a driver binds
# lab-guard-line: 6.12.y: kdump: QEMU found the disk's copied entry not present
# lab-guard-mode: 6.12.y: scalable-fs:on:pt
# lab-guard-hang: 6.12.y: vtd_dmar_fault sid 0x28
# lab-qemu-trace: vtd_reg_dmar_root vtd_inv_desc_cc_global vtd_inv_desc_cc_domain
# lab-qemu-trace: vtd_inv_desc_cc_devices vtd_inv_desc_cc_device vtd_ce_not_present
# lab-qemu-trace: vtd_inv_desc_iotlb_global vtd_inv_desc_iotlb_domain
# lab-append: crashkernel=256M
# lab-console-expect: sysrq: Trigger a crash
# lab-console-expect: Kernel panic - not syncing: sysrq triggered crash

T=/sys/kernel/tracing
DISK_BDF=00:05.0
DISK_SID=$((5 << 3))
SLICE_BLOCKS=257	# 4 KiB blocks: the ELF headers, then the first MiB

# old_did BDF: the domain ID of BDF's present entry, from debugfs (0 when
# there is none): legacy context entry hi bits 23:8, or (scalable) PASID 0
# entry val[1] bits 15:0. Columns: BDF, root, context hi:lo, PASID,
# PASID entry val[2]:val[1]:val[0].
old_did() {
	local v
	v=$(awk -v d="$1" -v sm="$(lab_sm && echo 1 || echo 0)" '
		$1 != d { next }
		!sm { split($3, c, ":"); print c[1]; exit }
		$4 == 0 { split($5, p, ":"); print p[2]; exit }' \
		/sys/kernel/debug/iommu/intel/dmar_translation_struct)
	if lab_sm; then
		echo $(( ${v:-0} & 0xffff ))
	else
		echo $(( ${v:-0} >> 8 & 0xffff ))
	fi
}

# payload_dev: sysfs path of the virtio-blk device behind the root port.
payload_dev() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1042 ] &&
			[ "${d##*/}" != "0000:$DISK_BDF" ] && { echo "$d"; return 0; }
	done
	return 1
}

# window BDF: the qi_submit lines of BDF's attach: those after the previous
# iommu:add_device_to_group or attach_device_to_domain event, up to BDF's
# attach_device_to_domain (traced once attach_dev() has returned).
# Boot-time global flushes come before every attach.
window() {
	awk -v d="device=$1" '
		/ add_device_to_group: / { n = 0; next }
		/ attach_device_to_domain: / {
			if (index($0, d)) { for (i = 0; i < n; i++) print w[i]; f = 1; exit }
			n = 0; next
		}
		/ qi_submit: / && !/ iec_inv / { w[n++] = $0 }
		END { exit !f }' /tmp/kdump.trace
}

kdump_first() {
	local size did edu cmdline a pay out
	size=$(cat /sys/kernel/kexec_crash_size 2>/dev/null)
	if [ "${size:-0}" -eq 0 ]; then
		tap_fail "kdump: crashkernel= reserved memory (kexec_crash_size ${size:-missing})"
		return 0
	fi
	tap_ok "kdump: crashkernel= reserved $((size >> 20)) MiB"

	# Disk DMA through the IOMMU before the crash.
	tap_check "kdump: disk read through the IOMMU in the first kernel" \
		dd if=/dev/vda of=/dev/null bs=1M count=4
	did=$(old_did $DISK_BDF)
	if [ "$did" -eq 0 ]; then
		tap_fail "kdump: disk has a present entry with a domain ID"
		sed 's/^/#   /' /sys/kernel/debug/iommu/intel/dmar_translation_struct >&3
		return 0
	fi
	tap_ok "kdump: disk has a present entry, domain ID $did"

	# The payload disk (/dev/vdb, behind a root port): ATS enabled.
	pay=$(payload_dev)
	if [ -n "$pay" ]; then
		tap_check "kdump: ATS enabled on the payload disk $(basename "$pay") at the crash" \
			sh -c "labats $pay | grep -q 'enabled 1'"
	else
		tap_fail "kdump: payload disk behind a PCIe root port present"
	fi

	edu=$(lab_pci_dev 0x1234 0x11e8)
	if [ -n "$edu" ]; then
		tap_check "kdump: edu in a DMA domain at the crash" \
			grep -qx DMA "$(readlink -f "$edu/iommu_group")/type"
	else
		tap_fail "kdump: edu device present"
	fi

	mkdir -p /tmp/kd
	if ! tar -xf /dev/vdb -C /tmp/kd bzImage initrd 2>/tmp/kd.err; then
		tap_fail "kdump: crash kernel payload on /dev/vdb ($(cat /tmp/kd.err))"
		return 0
	fi
	cmdline=
	# shellcheck disable=SC2013 # /proc/cmdline is one line, split into words on purpose
	for a in $(cat /proc/cmdline); do
		case "$a" in
		crashkernel=* | lab.run=*) ;;
		*) cmdline="$cmdline $a" ;;
		esac
	done
	grep -qw lab.kdump.crash_pt=1 /proc/cmdline && cmdline="$cmdline iommu.passthrough=1"
	cmdline="$cmdline lab.run=kdump lab.kdump.did=$did irqpoll nr_cpus=1 reset_devices trace_event=intel_iommu:qi_submit,iommu:add_device_to_group,iommu:attach_device_to_domain"
	tap_diag "crash kernel command line:$cmdline"
	if ! out=$(labkexec /tmp/kd/bzImage /tmp/kd/initrd "${cmdline# }" 2>&1); then
		tap_fail "kdump: crash kernel loaded with kexec_file_load ($out)"
		return 0
	fi
	tap_check "kdump: crash kernel loaded with kexec_file_load" \
		grep -qx 1 /sys/kernel/kexec_crash_loaded
	tap_diag "first kernel: crashing on purpose"
	sync
	echo c >/proc/sysrq-trigger
	# Still here: sysrq did not crash the kernel.
	tap_fail "kdump: sysrq crash reached the crash kernel (the first kernel survived)"
}

# qi_qw0 TYPE: qw0 of each descriptor of TYPE in the disk's attach window.
qi_qw0() {
	awk -v t="$1" '{
		for (i = 1; i <= NF; i++) if ($i == t) { print $(i + 2); break }
	}' /tmp/kdump.window
}

kdump_capture() {
	local did=0 a q gran hit first slice sum back pay n
	# shellcheck disable=SC2013 # /proc/cmdline is one line, split into words on purpose
	for a in $(cat /proc/cmdline); do
		case "$a" in
		lab.kdump.did=*) did=${a#lab.kdump.did=} ;;
		esac
	done
	tap_ok "kdump: crash kernel booted ($(stat -c %s /proc/vmcore) bytes of /proc/vmcore)"
	dmesg >/tmp/kdump.dmesg
	tap_check "kdump: crash kernel found translation enabled" \
		grep -q 'DMAR: Translation already enabled' /tmp/kdump.dmesg
	tap_check "kdump: crash kernel copied the translation tables" \
		grep -q 'DMAR: Copied translation tables from previous kernel' /tmp/kdump.dmesg

	if grep -qw lab.kdump.crash_pt=1 /proc/cmdline; then
		tap_check "kdump: crash kernel put the disk in the identity domain (iommu.passthrough=1)" \
			grep -qx identity "$(readlink -f /sys/bus/pci/devices/0000:$DISK_BDF/iommu_group)/type"
	fi

	cat $T/trace >/tmp/kdump.trace
	echo 0 >$T/events/enable
	if ! window 0000:$DISK_BDF >/tmp/kdump.window; then
		tap_fail "kdump: the disk was attached in the crash kernel (no attach_device_to_domain for $DISK_BDF)"
		grep -v ' iec_inv ' /tmp/kdump.trace | tail -n 20 | sed 's/^/#   /' >&3
		return 0
	fi
	tap_ok "kdump: the disk was attached in the crash kernel, $(wc -l </tmp/kdump.window) descriptors"
	sed 's/^ *//; s/^/# disk attach: /' /tmp/kdump.window >&3

	# Context-cache: QI_CC_GRAN in bits 5:4 (1 global, 3 device), DID in
	# 31:16, SID in 47:32.
	hit=
	for q in $(qi_qw0 cc_inv); do
		gran=$(( q >> 4 & 3 ))
		if [ $gran -eq 1 ]; then
			hit="global $q"
		elif [ $gran -eq 3 ] && [ $(( q >> 32 & 0xffff )) -eq $DISK_SID ]; then
			if lab_sm || [ $(( q >> 16 & 0xffff )) -eq "$did" ]; then
				hit="device $q"
			fi
		fi
	done
	if [ -n "$hit" ]; then
		tap_ok "kdump: context-cache invalidation for the disk's copied entry ($hit)"
	else
		tap_fail "kdump: context-cache invalidation for the disk's copied entry (SID $DISK_SID, old DID $did)"
	fi
	# The teardown comes before the new context entry is written, so its
	# context-cache invalidation is the attach's first one: the caching-
	# mode flush of the new entry comes after it. (6.1 writes the new
	# PASID entry, in this kernel's own PASID table, first: the copied
	# context entry does not point there yet, so its PASID-cache and
	# IOTLB descriptors may come before.)
	first=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "cc_inv") { print $i, $(i + 2); exit } }' /tmp/kdump.window)
	tap_check "kdump: the copied entry's invalidation is the attach's first context-cache invalidation (first: ${first:-none})" \
		test -n "$hit" -a "${first#cc_inv }" = "${hit#* }"

	# IOTLB: QI_IOTLB_GRAN in bits 5:4 (1 global, 2 domain), DID in 31:16.
	hit=
	for q in $(qi_qw0 iotlb_inv); do
		gran=$(( q >> 4 & 3 ))
		if [ $gran -eq 1 ]; then
			hit="global $q"
		elif [ $gran -eq 2 ] && [ "$LAB_MODE" = legacy ] &&
		     [ $(( q >> 16 & 0xffff )) -eq "$did" ]; then
			hit="domain $q"
		fi
	done
	if [ -n "$hit" ]; then
		tap_ok "kdump: IOTLB invalidation for the old domain ($hit)"
	else
		tap_fail "kdump: IOTLB invalidation for the old domain (DID $did)"
	fi

	# PASID-cache (scalable): QI_PC_GRAN in bits 5:4, 3 = global.
	if lab_sm; then
		hit=
		for q in $(qi_qw0 pc_inv); do
			[ $(( q >> 4 & 3 )) -eq 3 ] && hit="global $q"
		done
		if [ -n "$hit" ]; then
			tap_ok "kdump: PASID-cache invalidation for the copied PASID table ($hit)"
		else
			tap_fail "kdump: PASID-cache invalidation for the copied PASID table"
		fi
	fi

	# The payload disk (ATS): attached through its copied entry; the
	# device-TLB invalidations of that attach are reported (see the top).
	pay=$(payload_dev)
	if [ -z "$pay" ]; then
		tap_fail "kdump: payload disk behind a PCIe root port present"
	elif ! window "${pay##*/}" >/tmp/kdump.pwindow; then
		tap_fail "kdump: the payload disk was attached in the crash kernel (no attach_device_to_domain for ${pay##*/})"
	else
		sed 's/^ *//; s/^/# payload disk attach: /' /tmp/kdump.pwindow >&3
		n=$(grep -c ' dev_tlb_inv ' /tmp/kdump.pwindow)
		tap_ok "kdump: the payload disk (ATS) was attached in the crash kernel ($(wc -l </tmp/kdump.pwindow) descriptors, $n device-TLB)"
	fi

	# DMA works: a slice of the dump to the disk and back.
	slice=/tmp/vmcore.slice
	if ! dd if=/proc/vmcore of=$slice bs=4096 count=$SLICE_BLOCKS 2>/tmp/dd.err; then
		tap_fail "kdump: read /proc/vmcore ($(cat /tmp/dd.err))"
		return 0
	fi
	sum=$(md5sum <$slice | cut -d' ' -f1)
	tap_diag "kdump-slice bytes=$(stat -c %s $slice) md5=$sum"
	tap_check "kdump: vmcore slice starts with an ELF header" \
		sh -c "head -c 4 $slice | grep -q ELF"
	tap_check "kdump: vmcore slice written to the disk" \
		dd if=$slice of=/dev/vda bs=4096 conv=fsync
	blockdev --flushbufs /dev/vda
	back=$(dd if=/dev/vda bs=4096 count=$SLICE_BLOCKS 2>/dev/null | md5sum | cut -d' ' -f1)
	tap_check "kdump: vmcore slice read back from the disk intact" test "$back" = "$sum"
}

if [ -e /proc/vmcore ]; then
	kdump_capture
else
	kdump_first
fi
