#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs: busybox-static, the lab's static test programs,
# the init script and the scenarios -> $LAB_OUT/initramfs.cpio.gz
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
echo "1..1"

BB=$(command -v busybox || echo /bin/busybox)
[ -x "$BB" ] || die initramfs "busybox not found (package busybox-static)"
readelf -l "$BB" >/dev/null 2>&1 || die initramfs "cannot read $BB as ELF (readelf from binutils)"
readelf -l "$BB" | grep -q 'program interpreter' &&
	die initramfs "$BB is dynamically linked; install busybox-static"

stage=$LAB_OUT/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lab/scenarios}
cp "$BB" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$LAB_DIR/guest/init" "$stage/init"
cp "$LAB_DIR/guest/tap.sh" "$stage/lab/"
cp "$LAB_DIR"/scenarios/*.sh "$stage/lab/scenarios/"
for c in "$LAB_DIR"/guest/*.c; do
	p=$(basename "$c" .c)
	gcc -static -O2 -Wall -Wextra -Werror -o "$stage/lab/$p" "$c" ||
		die initramfs "guest program $p does not build"
done
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -1 >"$LAB_OUT/initramfs.cpio.gz" || die initramfs "cpio failed"
log "initramfs: $(du -h "$LAB_OUT/initramfs.cpio.gz" | cut -f1)"
echo "ok - initramfs: busybox, $(find "$stage/lab" -maxdepth 1 -type f -perm -u+x | wc -l) guest programs, $(find "$stage/lab/scenarios" -name '*.sh' | wc -l) scenarios"
