#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# report.sh: target $LAB_TARGET's base-vs-series table from
# $TOUT/runs/{base,series}/*, a row per run, named by QEMU version, stage
# and caching mode.
# Figures are per domain switch of the edu group (switch scenario, count
# phase): QI descriptors (intel_iommu:qi_submit), qi_submit_sync() round
# trips (kprobe), seconds (guest CLOCK_MONOTONIC, TCG: relative only).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
lab_target "${LAB_TARGET:?LAB_TARGET unset}"

metric() { # FILE NAME
	sed -n "s/^# metric $2=//p" "$1" 2>/dev/null | tail -n 1
}
verdict() { # FILE
	[ -f "$1" ] || { echo "missing"; return; }
	local p f
	p=$(grep -c '^ok' "$1")
	f=$(grep -c '^not ok' "$1")
	[ "$f" -eq 0 ] && echo "pass $p/$((p + f))" || echo "FAIL $f/$((p + f))"
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a + 0 == 0) print "-"; else printf "%.2fx", b / a }'
}

# Figures per switch: NAME|HEADER
METRICS=(
	"qi_desc_per_switch|QI desc"
	"qi_sync_per_switch|QI syncs"
	"ats_dev_tlb_inv_per_switch|devTLB inv (ats)"
	"seconds_per_switch|seconds"
)

echo
# label RUNDIR-NAME: legacy-cmoff -> "qemu 10.0.2 legacy, 2nd-stage cm=off"
label() {
	local n=${1#kdump-} k=
	[ "$n" != "$1" ] && k="kdump "
	echo "$k$(mode_label "${n%-cm*}" "${n##*-cm}")"
}

echo "VT-d lab, target $LAB_TARGET: base $(cat "$TOUT/base.txt" 2>/dev/null || echo '?')"
echo "          series $(series_patches | wc -l) patches, head $(cut -c1-12 "$TOUT/kernels/series.commit" 2>/dev/null)"
echo "          $(cat "$TOUT/newer.txt" 2>/dev/null)"
echo
printf '%-43s | %-10s %-10s' mode base series
for m in "${METRICS[@]}"; do printf ' | %-24s' "${m#*|}/switch"; done
echo
printf '%-43s | %-21s' "" ""
for m in "${METRICS[@]}"; do printf ' | %8s %8s %6s' base series ratio; done
echo
for d in "$TOUT"/runs/series/* "$TOUT"/runs/base/*; do
	[ -d "$d" ] && basename "$d"
done | grep -v '^guard-' | sort -u | while read -r mode; do
	b=$TOUT/runs/base/$mode/result.tap
	s=$TOUT/runs/series/$mode/result.tap
	printf '%-43s | %-10s %-10s' "$(label "$mode")" "$(verdict "$b")" "$(verdict "$s")"
	for m in "${METRICS[@]}"; do
		bv=$(metric "$b" "${m%%|*}")
		sv=$(metric "$s" "${m%%|*}")
		printf ' | %8s %8s %6s' "${bv:--}" "${sv:--}" "$(ratio "$bv" "$sv")"
	done
	echo
done
echo
echo "ratio = series / base. QI desc: descriptors per identity<->DMA switch of edu (intel_iommu:qi_submit);"
echo "QI syncs: qi_submit_sync() round trips (kprobe); devTLB inv (ats): device-TLB invalidations per switch of"
echo "an ATS device; seconds: TCG time inside the guest, for comparison within this run only."
