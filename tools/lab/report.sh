#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# report.sh: the base-vs-series table from $LAB_OUT/runs/{base,series}/*.
# Figures are per domain switch of the edu group (switch scenario, count
# phase): QI descriptors (intel_iommu:qi_submit), qi_submit_sync() round
# trips (kprobe), seconds (guest CLOCK_MONOTONIC, TCG: relative only).
. "$(dirname "$0")/lib.sh"

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

echo
echo "VT-d lab: base $(cat "$LAB_OUT/base.txt" 2>/dev/null || echo '?')"
echo "          series $(series_patches | wc -l) patches, head $(cat "$LAB_OUT/kernels/series.commit" 2>/dev/null | cut -c1-12)"
echo
printf '%-17s | %-10s %-10s | %-19s | %-19s | %-23s\n' mode "base" "series" \
	"QI desc/switch" "QI syncs/switch" "seconds/switch"
printf '%-17s | %-10s %-10s | %-19s | %-19s | %-23s\n' "" "" "" \
	"base  series ratio" "base  series ratio" "base     series   ratio"
printf -- '-%.0s' {1..110}
echo
for d in "$LAB_OUT"/runs/series/* "$LAB_OUT"/runs/base/*; do
	[ -d "$d" ] && basename "$d"
done | sort -u | while read -r m; do
	b=$LAB_OUT/runs/base/$m/result.tap
	s=$LAB_OUT/runs/series/$m/result.tap
	bd=$(metric "$b" qi_desc_per_switch) sd=$(metric "$s" qi_desc_per_switch)
	bq=$(metric "$b" qi_sync_per_switch) sq=$(metric "$s" qi_sync_per_switch)
	bt=$(metric "$b" seconds_per_switch) st=$(metric "$s" seconds_per_switch)
	printf '%-17s | %-10s %-10s | %5s %5s %7s | %5s %5s %7s | %8s %8s %5s\n' "$m" \
		"$(verdict "$b")" "$(verdict "$s")" \
		"${bd:--}" "${sd:--}" "$(ratio "$bd" "$sd")" \
		"${bq:--}" "${sq:--}" "$(ratio "$bq" "$sq")" \
		"${bt:--}" "${st:--}" "$(ratio "$bt" "$st")"
done
echo
echo "ratio = series / base; seconds are TCG wall time inside the guest: compare, do not quote as hardware figures."
