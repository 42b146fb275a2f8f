#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build lab kernels of target $LAB_TARGET from its one work tree,
# incrementally, through the one ccache.
#
#   kernel.sh image REF NAME      check out REF, build bzImage, keep it as
#                                 $TOUT/kernels/NAME.bzImage
#   kernel.sh dir REF DIR [ARGS]  check out REF, build DIR/ (e.g. with W=1 C=2)
#
# The config is tinyconfig + tools/lab/config/lab.config
# + tools/lab/config/target-T.config (what target T's Kconfig needs
# besides) + $LAB_CONFIG_EXTRA + the lines of tools/lab/config/*.optional
# whose symbol the tree declares; rewritten only when it changes, so
# switching REFs rebuilds only what the checkout touched.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
lab_target "${LAB_TARGET:?LAB_TARGET unset}"

checkout() {
	kgit rev-parse -q --verify "$1^{commit}" >/dev/null ||
		die build "no such revision in the lab tree: $1 (run tools/lab/base.sh)"
	kgit checkout -q -f --detach "$1" || die build "git checkout $1 failed"
}

configure() {
	local frags=("$LAB_DIR/config/lab.config") f l sym val got key
	f=$LAB_DIR/config/target-$LAB_TARGET.config
	[ -f "$f" ] && frags+=("$f")
	# shellcheck disable=SC2206 # a list of paths, split on purpose
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
			kgit grep -q "^config ${sym#CONFIG_}$" HEAD -- '*Kconfig*' &&
				echo "$l" >>"$LAB_OBJ/lab-optional.frag"
		done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$f")
	done
	frags+=("$LAB_OBJ/lab-optional.frag")
	# The config is a function of the fragments and the tree's Kconfig
	# files: when neither changed since it was made, it is reused as is
	# (it was checked then).
	key=$({ cat "${frags[@]}"; kgit ls-tree -r HEAD | grep -E '[[:space:]]([^[:space:]]*/)?Kconfig[^/]*$'; } | sha1sum)
	if [ -f "$LAB_OBJ/.config" ] && [ "$(cat "$LAB_OBJ/.config.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	rm -f "$LAB_OBJ/.config.key"
	[ -f "$LAB_OBJ/.config" ] && cp -p "$LAB_OBJ/.config" "$LAB_OBJ/.config.prev"
	{
		kmake tinyconfig &&
		"$LAB_SRC/scripts/kconfig/merge_config.sh" -m -O "$LAB_OBJ" \
			"$LAB_OBJ/.config" "${frags[@]}" &&
		kmake olddefconfig
	} >"$TOUT/logs/config.log" 2>&1 ||
		die config "$LAB_TARGET: config generation failed (see $TOUT/logs/config.log)"
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
			die config "$LAB_TARGET: $(basename "$f"): $l did not survive olddefconfig (got '${got:-unset}'): a dependency is missing"
		done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$f")
	done
	if [ -f "$LAB_OBJ/.config.prev" ] && cmp -s "$LAB_OBJ/.config" "$LAB_OBJ/.config.prev"; then
		mv "$LAB_OBJ/.config.prev" "$LAB_OBJ/.config"
	else
		rm -f "$LAB_OBJ/.config.prev"
	fi
	echo "$key" >"$LAB_OBJ/.config.key"
}

cmd=${1:-}
case "$cmd" in
image)
	ref=${2:?ref}
	name=${3:?name}
	# No image of an earlier run may stand in for one that failed.
	rm -f "$TOUT/kernels/$name".{bzImage,config,commit}
	checkout "$ref"
	configure
	run_step "build-$LAB_TARGET-$name" "$TOUT/logs/build-$name.log" kmake bzImage
	cp "$LAB_OBJ/arch/x86/boot/bzImage" "$TOUT/kernels/$name.bzImage"
	cp "$LAB_OBJ/.config" "$TOUT/kernels/$name.config"
	kgit rev-parse HEAD >"$TOUT/kernels/$name.commit"
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
