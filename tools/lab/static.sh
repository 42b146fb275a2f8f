#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of target $LAB_TARGET's series, as TAP in $TOUT/static.tap
# (the plan first: a line per patch for checkpatch and bisect, one for each
# other check; the layout lines only for the target whose base file says
# LAB_REPO_COPIES=yes):
#   checkpatch  scripts/checkpatch.pl --strict on every patch: nothing reported
#   fixes       every Fixes: line is in patches/fixes-verified
#   bisect      every commit of the series builds drivers/iommu/ on its own
#   sparse      make C=2 drivers/iommu/intel/: no warning the base lacks
#   W=1         make W=1 drivers/iommu/intel/: no warning the base lacks
#   kernel-doc  scripts/kernel-doc -Wall on the C files the series adds
#   layout      the files the series adds are byte-identical to their copies
#               at the same paths in this repo, and the repo has no others;
#               MAINTAINERS is what the series adds to the kernel's
# Needs tools/lab/base.sh to have run. Exit 0 when every line is ok.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
lab_target "${LAB_TARGET:?LAB_TARGET unset}"

out=$TOUT/static.tap
logs=$TOUT/logs/static
rm -rf "$logs"
mkdir -p "$logs"
with_copies=0
[ "$(copies_target)" = "$LAB_TARGET" ] && with_copies=1
ok() { echo "ok - $*" >>"$out"; }
nok() { echo "not ok - $*" >>"$out"; }
skip() { echo "ok - $1 # SKIP $2" >>"$out"; }
diag() { sed 's/^/#   /' >>"$out"; }

mapfile -t patches < <(series_patches)
mapfile -t commits < <(kgit rev-list --reverse "$LAB_BASE_TAG..$LAB_SERIES_BRANCH")
[ ${#patches[@]} -eq ${#commits[@]} ] ||
	die static "patches/$LAB_TARGET/series has ${#patches[@]} patches but the lab tree has ${#commits[@]} commits (run tools/lab/base.sh)"
echo "1..$((2 * ${#patches[@]} + 4 + 2 * with_copies))" >"$out"

# checkpatch, from the base tree (the script and its data files), run as on
# the Debian tarball: no git history (GIT_DIR), so commit ids cannot be
# resolved; UNKNOWN_COMMIT_ID is replaced by the "fixes" check below.
kgit checkout -q -f "$LAB_BASE_TAG"
if [ ${#patches[@]} -eq 0 ]; then
	skip "checkpatch --strict" "the series is empty"
fi
for p in "${patches[@]}"; do
	if (cd "$LAB_SRC" && GIT_DIR=/nonexistent perl scripts/checkpatch.pl \
		--strict --ignore UNKNOWN_COMMIT_ID --showfile \
		"$TDIR/$p") >"$logs/checkpatch-$p.log" 2>&1; then
		rc=0
	else
		rc=1
	fi
	if [ $rc -eq 0 ] && grep -q 'total: 0 errors, 0 warnings, 0 checks' "$logs/checkpatch-$p.log"; then
		ok "checkpatch --strict: $p"
	else
		nok "checkpatch --strict: $p"
		grep -E '(ERROR|WARNING|CHECK):|^total:' "$logs/checkpatch-$p.log" | head -n 20 | diag
	fi
done

# fixes: every Fixes: line names a commit verified in patches/fixes-verified.
nfix=0
for p in "${patches[@]}"; do
	while IFS= read -r l; do
		nfix=$((nfix + 1))
		grep -qF -- "$l |" "$REPO/patches/fixes-verified" 2>/dev/null ||
			echo "$p: $l"
	done < <(sed -n '/^---$/q; /^Fixes: /p' "$TDIR/$p")
done >"$logs/fixes.log"
if [ ${#patches[@]} -eq 0 ]; then
	skip "fixes: Fixes: tags verified" "the series is empty"
elif [ -s "$logs/fixes.log" ]; then
	nok "fixes: every Fixes: tag is listed in patches/fixes-verified"
	diag <"$logs/fixes.log"
else
	ok "fixes: all $nfix Fixes: tags are listed in patches/fixes-verified"
fi

# Warnings of one kind in drivers/iommu/intel at REF, as "file: message"
# (line numbers dropped: patches move lines).
warnings() { # REF KIND MAKEARGS...
	local ref=$1 kind=$2
	shift 2
	"$LAB_DIR/kernel.sh" dir "$ref" drivers/iommu/intel "$@" \
		>"$logs/$kind-$ref.log" 2>&1 ||
		die static "$kind build of drivers/iommu/intel at $ref failed (see $logs/$kind-$ref.log)"
	sed -n -E 's#^(.*/)?(drivers/iommu/intel/[^:]+):[0-9]+:([0-9]+:)? (warning|error): (.*)$#\2: \4: \5#p' \
		"$logs/$kind-$ref.log" | sort >"$logs/$kind-$ref.warn"
}

log "static: sparse and W=1 on the base"
warnings "$LAB_BASE_TAG" sparse C=2
warnings "$LAB_BASE_TAG" w1 W=1

i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subj=$(kgit log -1 --format=%s "$c")
	log "static: bisect build $i/${#commits[@]}: $subj"
	if "$LAB_DIR/kernel.sh" dir "$c" drivers/iommu >"$logs/bisect-$i.log" 2>&1; then
		ok "bisect: patch $i builds drivers/iommu/ ($subj)"
	else
		nok "bisect: patch $i builds drivers/iommu/ ($subj)"
		grep -E 'error|Error' "$logs/bisect-$i.log" | head -n 10 | diag
	fi
done

log "static: sparse and W=1 on the series"
warnings "$LAB_SERIES_BRANCH" sparse C=2
warnings "$LAB_SERIES_BRANCH" w1 W=1
for kind in sparse w1; do
	name=$kind
	[ $kind = w1 ] && name=W=1
	b=$logs/$kind-$LAB_BASE_TAG.warn
	s=$logs/$kind-$LAB_SERIES_BRANCH.warn
	new=$(comm -13 "$b" "$s")
	if [ -z "$new" ]; then
		ok "$name: no new warnings in drivers/iommu/intel (base $(wc -l <"$b"), series $(wc -l <"$s"))"
	else
		nok "$name: no new warnings in drivers/iommu/intel (base $(wc -l <"$b"), series $(wc -l <"$s"))"
		echo "$new" | head -n 20 | diag
	fi
done

mapfile -t added < <(kgit diff --name-only --diff-filter=A "$LAB_BASE_TAG" "$LAB_SERIES_BRANCH")
# Layout: one source of truth per line.
layout() {
	mapfile -t copies < <(cd "$REPO" && git ls-files drivers include Documentation tools |
		grep -v '^tools/lab/')
	bad=0
	for f in "${added[@]}"; do
		if [ ! -f "$REPO/$f" ]; then
			echo "$f: added by the series, missing from the repo"
			bad=1
		elif ! kgit show "$LAB_SERIES_BRANCH:$f" | cmp -s - "$REPO/$f"; then
			echo "$f: repo copy differs from what the series adds"
			bad=1
		fi
	done >"$logs/layout.log"
	for f in "${copies[@]}"; do
		printf '%s\n' "${added[@]}" | grep -qxF "$f" ||
			{ echo "$f: in the repo but not added by the series"; bad=1; }
	done >>"$logs/layout.log"
	if [ $bad -eq 0 ] && [ ! -s "$logs/layout.log" ]; then
		ok "layout: ${#added[@]} files the series adds, each byte-identical to its repo copy; no other copies"
	else
		nok "layout: files the series adds are byte-identical to their repo copies"
		diag <"$logs/layout.log"
	fi
}

# kernel-doc on the C files the series adds: nothing reported.
: >"$logs/kernel-doc.log"
nkd=0
for f in "${added[@]}"; do
	case $f in *.c | *.h) ;; *) continue ;; esac
	nkd=$((nkd + 1))
	mkdir -p "$logs/kd/$(dirname "$f")"
	kgit show "$LAB_SERIES_BRANCH:$f" >"$logs/kd/$f"
	(cd "$logs/kd" && perl "$LAB_SRC/scripts/kernel-doc" -none -Wall "$f") >>"$logs/kernel-doc.log" 2>&1
done
if [ $nkd -eq 0 ]; then
	skip "kernel-doc" "the series adds no C file"
elif [ ! -s "$logs/kernel-doc.log" ]; then
	ok "kernel-doc -Wall: $nkd files the series adds, nothing reported"
else
	nok "kernel-doc -Wall: files the series adds"
	head -n 20 "$logs/kernel-doc.log" | diag
fi

maintainers() {
	# MAINTAINERS in the repo is exactly what the series adds to the kernel's
	# (kernel format, one source of truth); neither may exist without the other.
	trim_blank() { sed -e '/./,$!d' | tac | sed -e '/./,$!d' | tac; }
	kgit diff "$LAB_BASE_TAG" "$LAB_SERIES_BRANCH" -- MAINTAINERS |
		awk '/^\+\+\+/ { next } /^\+/ { print substr($0, 2) }' | trim_blank >"$logs/maintainers.series"
	if [ -f "$REPO/MAINTAINERS" ]; then
		trim_blank <"$REPO/MAINTAINERS" >"$logs/maintainers.repo"
	else
		: >"$logs/maintainers.repo"
	fi
	if diff -u "$logs/maintainers.series" "$logs/maintainers.repo" >"$logs/maintainers.diff"; then
		ok "layout: MAINTAINERS is what the series adds to the kernel's ($(grep -c '^F:' "$logs/maintainers.series") F: lines)"
	else
		nok "layout: MAINTAINERS equals what the series adds to the kernel's MAINTAINERS"
		head -n 20 "$logs/maintainers.diff" | diag
	fi
}

if [ $with_copies -eq 1 ]; then
	layout
	maintainers
fi

! grep -q '^not ok' "$out"
