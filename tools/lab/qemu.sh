#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot one lab kernel behind QEMU's intel-iommu and run guest scenarios.
#
#   qemu.sh KERNEL MODE CM RUNDIR [SCENARIOS] [ITERS]
#     MODE       legacy        legacy root/context tables, second-stage
#                scalable-ss   scalable mode, second-stage (x-flts=off)
#                scalable-fs   scalable mode, first-stage (x-flts=on)
#     CM         on | off          (intel-iommu caching-mode)
#     SCENARIOS  comma list of tools/lab/scenarios/*.sh ($LAB_SCENARIOS_DEFAULT)
#
# Writes RUNDIR/{console.log,tap.log,qemu.log,qemu-trace.log,result.tap}:
# result.tap is the guest's TAP plus the host's checks: every scenario
# asked for ran to its end (the guest's "# lab-scenario-done NAME"), how the
# guest ended (finished, hung past the timeout, panicked, QEMU failed), the
# console log (WARN, BUG/Oops, KASAN, lockdep, list corruption, DMAR
# faults), and its plan. Exit 0 when every line is ok, 1 otherwise.
#
# A scenario may ask the host for more, in lines of its .sh:
#   # lab-append: ARGS          kernel command line arguments
#   # lab-console-expect: TEXT  a console line the scenario causes on
#                               purpose (kdump's panic): it must appear, and
#                               is then exempt from the console checks
#   # lab-qemu-trace: EVENT...  QEMU trace events into qemu-trace.log, for
#                               the scenario's .host check to read
# and tools/lab/scenarios/NAME.host, if present, runs after QEMU with
# RUNDIR (the disk image still there) and prints TAP lines of its own.
# The kdump scenario also gets a payload disk, /dev/vdb: a tar of KERNEL
# and the initramfs, for the crash kernel.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

kernel=${1:?kernel image}
mode=${2:?legacy|scalable}
cm=${3:?on|off}
rundir=${4:?run directory}
scen=${5:-$LAB_SCENARIOS_DEFAULT}
iters=${6:-10}
timeout=${LAB_TIMEOUT:-$((240 + 6 * iters))}

[ -f "$kernel" ] || die qemu "no kernel image $kernel"
[ -f "$LAB_OUT/initramfs.cpio.gz" ] || die qemu "no initramfs (run tools/lab/initramfs.sh)"
command -v qemu-system-x86_64 >/dev/null || die qemu "qemu-system-x86_64 not found (package qemu-system-x86)"
qemu_check_mode "$mode"

# The run directory anew, but for the files the lab's step wrapper keeps
# there (result.tap.err, .rc): they hold this very run's errors.
mkdir -p "$rundir"
find "$rundir" -mindepth 1 -maxdepth 1 ! -name 'result.tap.*' -exec rm -rf {} +
truncate -s 64M "$rundir/disk.img"

# What the scenarios ask of the host.
scen_append=
expect=()
hooks=()
traces=(-trace vtd_dmar_fault -trace vtd_frr_new)
for s in ${scen//,/ }; do
	f=$LAB_DIR/scenarios/$s.sh
	[ -f "$f" ] || continue
	scen_append="$scen_append $(sed -n 's/^# lab-append: //p' "$f" | tr '\n' ' ')"
	for e in $(sed -n 's/^# lab-qemu-trace: //p' "$f" | tr '\n' ' '); do
		traces+=(-trace "$e")
	done
	mapfile -t -O ${#expect[@]} expect < <(sed -n 's/^# lab-console-expect: //p' "$f")
	[ -x "$LAB_DIR/scenarios/$s.host" ] && hooks+=("$LAB_DIR/scenarios/$s.host")
done
extra=()
case ",$scen," in
*,kdump,*)
	mkdir -p "$rundir/kdump"
	if ! { cp "$kernel" "$rundir/kdump/bzImage" &&
		cp "$LAB_OUT/initramfs.cpio.gz" "$rundir/kdump/initrd" &&
		tar -cf "$rundir/kdump.tar" -C "$rundir/kdump" bzImage initrd; }; then
		die qemu "cannot write the kdump payload $rundir/kdump.tar"
	fi
	rm -rf "$rundir/kdump"
	# Behind a root port with ATS: the crash kernel meets a copied entry
	# of a device the first kernel left with ATS enabled.
	# shellcheck disable=SC2054 # QEMU's option syntax
	extra=(-drive "file=$rundir/kdump.tar,if=none,id=d1,format=raw,readonly=on"
		-device pcie-root-port,id=rp2,chassis=2,bus=pcie.0,addr=7.0
		-device virtio-blk-pci,drive=d1,bus=rp2,ats=on,iommu_platform=on,disable-legacy=on)
	;;
esac

iommu="intel-iommu,intremap=on,caching-mode=$cm,device-iotlb=on"
append="console=ttyS0 panic=-1 oops=panic iommu.strict=1 lab.run=$scen lab.iters=$iters lab.mode=$mode lab.cm=$cm"
case "$mode" in
legacy) append="$append intel_iommu=on" ;;
scalable-ss) iommu="$iommu,x-scalable-mode=on,x-flts=off"; append="$append intel_iommu=on,sm_on" ;;
scalable-fs) iommu="$iommu,x-scalable-mode=on,x-flts=on"; append="$append intel_iommu=on,sm_on" ;;
esac
# LAB_IOMMU_EXTRA: more intel-iommu properties, last (they win); the
# harness self-test uses it to make a mode fall back behind its name.
iommu="$iommu${LAB_IOMMU_EXTRA:+,$LAB_IOMMU_EXTRA}"
append="$append$scen_append ${LAB_APPEND:-}"

# -cpu max without LA57: with 5-level paging, KASAN reports a false
# "wild-memory-access" when an interrupt hits the window in which
# identify_cpu() has zeroed boot_cpu_data's capabilities: pgtable_l5_enabled()
# then reads false, KASAN_SHADOW_START is computed for 47 bits, and every
# direct-map address (ff11...) looks wild. Seen 3 times in ~330 boots, always
# in identify_cpu() before any IOMMU code runs; the IOMMU does not depend on
# the CPU's paging depth.
# shellcheck disable=SC2054,SC2206 # QEMU's option syntax; LAB_QEMU_EXTRA split on purpose
cmd=(qemu-system-x86_64 -accel tcg -cpu max,la57=off -smp 2 -m 1G
	-machine q35,kernel-irqchip=split -nodefaults -display none -no-reboot
	-device "$iommu"
	-device edu,addr=4.0
	-drive "file=$rundir/disk.img,if=none,id=d0,format=raw,cache=unsafe"
	-device virtio-blk-pci,drive=d0,addr=5.0,iommu_platform=on,disable-legacy=on
	-device pcie-root-port,id=rp1,chassis=1,bus=pcie.0,addr=6.0
	-device virtio-rng-pci,bus=rp1,ats=on
	-kernel "$kernel" -initrd "$LAB_OUT/initramfs.cpio.gz" -append "$append"
	-serial "file:$rundir/console.log" -serial "file:$rundir/tap.log"
	"${traces[@]}" -D "$rundir/qemu-trace.log"
	"${extra[@]}" ${LAB_QEMU_EXTRA:-})
printf '%q ' "${cmd[@]}" >"$rundir/cmdline"
echo >>"$rundir/cmdline"

start=$(date +%s)
timeout -k 10 "$timeout" "${cmd[@]}" >"$rundir/qemu.log" 2>&1 </dev/null
qrc=$?
secs=$(($(date +%s) - start))

res=$rundir/result.tap
: >"$res"
ok() { echo "ok - $*" >>"$res"; }
nok() { echo "not ok - $*" >>"$res"; }
diag() { echo "# $*" >>"$res"; }

# The guest's own lines (its plan dropped: the host adds lines; a crash
# kernel prints a TAP header of its own).
grep -v -e '^TAP version' -e '^1\.\.' "$rundir/tap.log" 2>/dev/null | tr -d '\r' >>"$res"
for h in "${hooks[@]}"; do
	"$h" "$rundir" >>"$res" 2>&1 ||
		nok "host check $(basename "$h") exited with $?"
done
rm -f "$rundir/disk.img" "$rundir/kdump.tar"

# Lines a scenario causes on purpose must appear; the checks below read the
# console without them.
checked=$rundir/console.checked
tr -d '\r' <"$rundir/console.log" >"$checked" 2>/dev/null
for e in "${expect[@]}"; do
	if grep -qF -- "$e" "$checked"; then
		ok "console: expected line: $e"
		grep -vF -- "$e" "$checked" >"$checked.tmp"
		mv "$checked.tmp" "$checked"
	else
		nok "console: expected line: $e"
	fi
done

# Every scenario asked for ran to its end (a scenario killed by an oops or
# a hang leaves no marker, whatever lines it wrote before).
for s in ${scen//,/ }; do
	if tr -d '\r' <"$rundir/tap.log" 2>/dev/null | grep -qx "# lab-scenario-done $s"; then
		ok "scenario $s ran to its end"
	else
		nok "scenario $s ran to its end: no end marker (see $rundir/console.log)"
	fi
done

# How the guest ended.
first_panic=$(grep -m1 -E 'Kernel panic|Oops:|general protection fault|kernel BUG at' "$checked" 2>/dev/null)
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	nok "guest finished: HANG, killed after ${timeout}s (console: $rundir/console.log)"
	diag "last console line: $(tail -n 1 "$rundir/console.log" | tr -d '\r')"
elif grep -q '^# lab: done' "$rundir/tap.log" 2>/dev/null; then
	ok "guest finished in ${secs}s"
elif [ -n "$first_panic" ]; then
	nok "guest finished: PANIC/OOPS: $first_panic (console: $rundir/console.log)"
elif [ $qrc -ne 0 ]; then
	nok "guest finished: QEMU exited with $qrc: $(tail -n 2 "$rundir/qemu.log" | tr '\n' ' ')"
else
	nok "guest finished: the guest stopped before its scenarios ended (console: $rundir/console.log)"
fi

# Console checks: each class is its own line, naming the first hit.
booted=0
grep -q 'Linux version' "$rundir/console.log" 2>/dev/null && booted=1
check() { # NAME REGEX
	local hit
	if [ $booted -eq 0 ]; then
		echo "ok - console: no $1 # SKIP the kernel printed nothing" >>"$res"
		return
	fi
	hit=$(grep -m1 -E "$2" "$checked" 2>/dev/null)
	if [ -n "$hit" ]; then
		nok "console: no $1: $hit"
	else
		ok "console: no $1"
	fi
}
check WARN 'WARNING:'
check BUG/Oops 'BUG:|Oops:|kernel BUG at|general protection fault|Kernel panic'
check 'KASAN report' 'BUG: KASAN|KASAN: '
check 'lockdep report' 'possible circular locking|possible recursive locking|inconsistent lock state|lock held when returning|suspicious RCU usage|INFO: lockdep'
check 'list corruption' 'list_(add|del) corruption'
check 'DMAR fault' 'DMAR: \[(DMA|INTR)|DRHD: handling fault'
qf=$(grep -c '^vtd_dmar_fault' "$rundir/qemu-trace.log" 2>/dev/null)
if [ "${qf:-0}" -eq 0 ]; then
	ok "qemu: no DMAR fault seen by the emulated IOMMU"
else
	nok "qemu: no DMAR fault seen by the emulated IOMMU ($qf vtd_dmar_fault events, first: $(grep -m1 '^vtd_dmar_fault' "$rundir/qemu-trace.log"))"
fi
echo "# metric boot_seconds=$secs" >>"$res"
sed -i "1i 1..$(grep -cE '^(not )?ok' "$res")" "$res"

! grep -q '^not ok' "$res"
