#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lab through shellcheck: the host scripts (bash) and the guest's
# (busybox sh, checked as dash). TAP on stdout; findings in
# $LAB_OUT/logs/shellcheck-*.log.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
echo "1..2"
command -v shellcheck >/dev/null || die shellcheck "shellcheck not found (package shellcheck)"

# sc NAME SHELL FILES...
sc() {
	local name=$1 sh=$2 logf=$LAB_OUT/logs/shellcheck-$1.log
	shift 2
	if (cd "$LAB_DIR" && shellcheck -x -s "$sh" "$@") >"$logf" 2>&1; then
		echo "ok - shellcheck: $name scripts ($# files), nothing reported"
	else
		echo "not ok - shellcheck: $name scripts: $(grep -c '^In ' "$logf") findings"
		grep -E '^In |SC[0-9]+' "$logf" | head -n 20 | sed 's/^/#   /'
	fi
}
cd "$LAB_DIR" || die shellcheck "no $LAB_DIR"
mapfile -t host < <(ls lab ./*.sh scenarios/*.host)
mapfile -t guest < <(ls guest/init guest/tap.sh scenarios/*.sh)
sc host bash "${host[@]}"
sc guest dash "${guest[@]}"
