#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build lab kernels from the one work tree, incrementally, through ccache.
#
#   kernel.sh image REF NAME      check out REF, build bzImage, keep it as
#                                 $LAB_OUT/kernels/NAME.bzImage
#   kernel.sh dir REF DIR [ARGS]  check out REF, build DIR/ (e.g. with W=1 C=2)
#
# The config is tinyconfig + tools/lab/config/*.config (+ $LAB_CONFIG_EXTRA)
# + the lines of tools/lab/config/*.optional whose symbol the tree declares,
# rewritten only when it changes, so switching REFs rebuilds only what the
# checkout touched.
. "$(dirname "$0")/lib.sh"

checkout() {
	kgit rev-parse -q --verify "$1^{commit}" >/dev/null ||
		die build "no such revision in the lab tree: $1 (run tools/lab/base.sh)"
	kgit checkout -q -f "$1" || die build "git checkout $1 failed"
}

configure() {
	local frags=("$LAB_DIR"/config/*.config) f l sym val got
	[ -n "${LAB_CONFIG_EXTRA:-}" ] && frags+=($LAB_CONFIG_EXTRA)
	mkdir -p "$LAB_OBJ"
	# *.optional fragments name symbols only some trees have (the series'
	# KUnit suite): a line applies when the checked-out tree's Kconfig
	# declares its symbol, and is then checked like any other.
	: >"$LAB_OBJ/lab-optional.frag"
	for f in "$LAB_DIR"/config/*.optional; do
		[ -f "$f" ] || continue
		while IFS= read -r l; do
			sym=${l%%=*}
			grep -rqx --include='Kconfig*' "config ${sym#CONFIG_}" "$LAB_SRC" &&
				echo "$l" >>"$LAB_OBJ/lab-optional.frag"
		done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$f")
	done
	frags+=("$LAB_OBJ/lab-optional.frag")
	[ -f "$LAB_OBJ/.config" ] && cp -p "$LAB_OBJ/.config" "$LAB_OBJ/.config.prev"
	{
		kmake tinyconfig &&
		"$LAB_SRC/scripts/kconfig/merge_config.sh" -m -O "$LAB_OBJ" \
			"$LAB_OBJ/.config" "${frags[@]}" &&
		kmake olddefconfig
	} >"$LAB_OUT/logs/config.log" 2>&1 ||
		die config "config generation failed (see $LAB_OUT/logs/config.log)"
	# Every symbol a fragment asks for must survive olddefconfig.
	for f in "${frags[@]}"; do
		while IFS= read -r l; do
			sym=${l%%=*}
			val=${l#*=}
			got=$(grep -E "^$sym=" "$LAB_OBJ/.config")
			if [ "$val" = n ]; then
				[ -z "$got" ] && continue
			else
				[ "$got" = "$l" ] && continue
			fi
			die config "$(basename "$f"): $l did not survive olddefconfig (got '${got:-unset}'): a dependency is missing"
		done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$f")
	done
	if [ -f "$LAB_OBJ/.config.prev" ] && cmp -s "$LAB_OBJ/.config" "$LAB_OBJ/.config.prev"; then
		mv "$LAB_OBJ/.config.prev" "$LAB_OBJ/.config"
	else
		rm -f "$LAB_OBJ/.config.prev"
	fi
}

mkdir -p "$LAB_OUT/logs" "$LAB_OUT/kernels"
cmd=${1:-}
case "$cmd" in
image)
	ref=${2:?ref}
	name=${3:?name}
	checkout "$ref"
	configure
	run_step "build-$name" "$LAB_OUT/logs/build-$name.log" kmake bzImage
	cp "$LAB_OBJ/arch/x86/boot/bzImage" "$LAB_OUT/kernels/$name.bzImage"
	cp "$LAB_OBJ/.config" "$LAB_OUT/kernels/$name.config"
	kgit rev-parse HEAD >"$LAB_OUT/kernels/$name.commit"
	;;
dir)
	ref=${2:?ref}
	dir=${3:?dir}
	shift 3
	checkout "$ref"
	configure
	kmake "$@" "${dir%/}/"
	;;
*)
	die usage "kernel.sh image REF NAME | dir REF DIR [MAKE ARGS]"
	;;
esac
