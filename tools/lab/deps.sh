#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the lab uses, from Debian 12's archive, if it is missing.
# QEMU comes from bookworm-backports (10.0: first-stage translation,
# x-flts; the igb NIC): that suite, and only it, is added to the system's
# apt sources (as /etc/apt/sources.list.d/vtd-lab-backports.sources, the
# mirror taken from the machine's own sources); backports are never chosen
# unless asked for, so only qemu-system-x86 comes from there. TAP on
# stdout.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
echo "1..1"

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev  # kernel build
	git xz-utils cpio ccache perl util-linux coreutils   # tree, cpio, locks
	sparse shellcheck python3                            # static checks, export.sh
	busybox-static kexec-tools                           # guest, kdump
)
QEMU_PKG=qemu-system-x86
QEMU_SUITE=bookworm-backports
QEMU_MIN=10.0
BPO=/etc/apt/sources.list.d/vtd-lab-backports.sources

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'
}
qemu_ok() {
	local v
	v=$(qemu_version)
	[ "$(printf '%s\n%s\n' "$QEMU_MIN" "$v" | sort -V | head -n 1)" = "$QEMU_MIN" ]
}

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done
need_qemu=0
installed "$QEMU_PKG" && qemu_ok || need_qemu=1
if [ ${#missing[@]} -eq 0 ] && [ $need_qemu -eq 0 ]; then
	log "deps: all ${#PKGS[@]} packages present, QEMU $(qemu_version)"
	echo "ok - deps: ${#PKGS[@]} packages and QEMU $(qemu_version) present"
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		die deps "not root and no sudo; install: ${missing[*]} $QEMU_PKG (>= $QEMU_MIN from $QEMU_SUITE)"
	SUDO=sudo
fi
alog=$LAB_OUT/logs/apt.log
if [ $need_qemu -eq 1 ] && [ ! -f "$BPO" ]; then
	m=$(debian_mirror "$QEMU_SUITE")
	[ -n "$m" ] || die deps "no Debian mirror in the machine's apt sources to add $QEMU_SUITE from"
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$m" "$QEMU_SUITE" | $SUDO tee "$BPO" >/dev/null ||
		die deps "cannot write $BPO"
	log "deps: added $QEMU_SUITE ($m) as $BPO"
fi
$SUDO apt-get update >"$alog" 2>&1 ||
	die deps "apt-get update failed (no network or no Debian mirror?): $(tail -n 3 "$alog" | tr '\n' ' ')"
if [ ${#missing[@]} -gt 0 ]; then
	log "deps: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
		"${missing[@]}" >>"$alog" 2>&1 ||
		die deps "apt-get install failed for: ${missing[*]} ($(grep -E '^E:' "$alog" | tail -n 2 | tr '\n' ' '))"
fi
if [ $need_qemu -eq 1 ]; then
	log "deps: installing $QEMU_PKG from $QEMU_SUITE"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
		-t "$QEMU_SUITE" "$QEMU_PKG" >>"$alog" 2>&1 ||
		die deps "apt-get install -t $QEMU_SUITE $QEMU_PKG failed ($(grep -E '^E:' "$alog" | tail -n 2 | tr '\n' ' '))"
	LAB_QEMU_VERSION=
	qemu_ok || die deps "$QEMU_PKG from $QEMU_SUITE is QEMU $(qemu_version), the lab needs >= $QEMU_MIN (x-flts)"
fi
log "deps: done; QEMU $(qemu_version)"
echo "ok - deps: installed ${missing[*]}$([ $need_qemu -eq 1 ] && echo " $QEMU_PKG") ; QEMU $(qemu_version)"
