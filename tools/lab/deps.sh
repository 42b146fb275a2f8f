#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the lab uses, from Debian 12's archive, if it is missing.
. "$(dirname "$0")/lib.sh"

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev  # kernel build
	git xz-utils cpio ccache perl util-linux coreutils   # tree, cpio, locks
	sparse                                               # make C=1
	qemu-system-x86 busybox-static                       # guest
	kexec-tools                                          # kdump scenario
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { log "deps: all ${#PKGS[@]} packages present"; exit 0; }

log "deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		die deps "not root and no sudo; install: ${missing[*]}"
	SUDO=sudo
fi
mkdir -p "$LAB_OUT/logs"
alog=$LAB_OUT/logs/apt.log
$SUDO apt-get update >"$alog" 2>&1 ||
	die deps "apt-get update failed (no network or no Debian mirror?): $(tail -n 3 "$alog" | tr '\n' ' ')"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
	"${missing[@]}" >>"$alog" 2>&1 ||
	die deps "apt-get install failed for: ${missing[*]} ($(grep -E '^E:' "$alog" | tail -n 2 | tr '\n' ' '))"
log "deps: installed ${missing[*]}"
