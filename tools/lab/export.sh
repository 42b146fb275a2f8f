#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate a target's patches from a kernel branch that holds its series
# as commits: the one source of truth.
#
#   tools/lab/export.sh TARGET KERNEL_REPO [BRANCH]
#
# KERNEL_REPO must have the lab's base tag (lab-base) of TARGET, e.g. a
# worktree of ~/.cache/vtd-lab/TARGET/linux. The series is lab-base..BRANCH
# (default: the repo's current branch). patches/TARGET/0001-*.patch ... and
# its series file are replaced; the cover letter keeps its subject and
# blurb (everything above the shortlog) and gets a fresh shortlog and
# diffstat. Nothing else in patches/TARGET/ is touched.
#
# For the target whose base file says LAB_REPO_COPIES=yes, the repo's
# copies are regenerated from the same branch: every file the series adds
# (drivers/, include/, tools/ but tools/lab/, Documentation/) at its kernel
# path, the copies of files it no longer adds removed, and MAINTAINERS =
# the lines the series adds to the kernel's MAINTAINERS. `make check`
# (static.sh, layout) fails when they differ.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

lab_target "${1:?usage: export.sh TARGET KERNEL_REPO [BRANCH]}"
kdir=${2:?usage: export.sh TARGET KERNEL_REPO [BRANCH]}
branch=${3:-HEAD}
pdir=$TDIR
cover=$pdir/0000-cover-letter.patch

git -C "$kdir" rev-parse -q --verify "$LAB_BASE_TAG^{commit}" >/dev/null ||
	die export "$kdir has no $LAB_BASE_TAG tag"
n=$(git -C "$kdir" rev-list --count "$LAB_BASE_TAG..$branch")
[ "$n" -gt 0 ] || die export "$LAB_BASE_TAG..$branch is empty"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A stable set's subjects say its tree: "[PATCH 6.12.y 1/9]"
# (LAB_SUBJECT_PREFIX in its base file).
git -C "$kdir" format-patch -q --cover-letter -o "$tmp" \
	--subject-prefix="${LAB_SUBJECT_PREFIX:-PATCH}" \
	"$LAB_BASE_TAG..$branch" || die export "git format-patch failed"

new_cover=$(ls "$tmp"/0000-*.patch)
if [ -f "$cover" ]; then
	# Old blurb: from the first blank line after the header to the line
	# before the shortlog ("Name (N):"). Old subject line(s) likewise.
	python3 - "$cover" "$new_cover" "$n" <<'EOF' || die export "cannot splice the cover letter"
import re, sys
old, new, n = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
ohead, obody = old.split("\n\n", 1)
subj = re.search(r"^Subject: \[[^]\n]*?[0-9]+/[0-9]+\] (.*(?:\n .*)*)", ohead, re.M)
short = re.search(r"^\S.* \([0-9]+\):$", obody, re.M)
if not subj or not short:
    sys.exit("old cover letter: no subject or no shortlog")
blurb = obody[:short.start()]
nhead, nbody = new.split("\n\n", 1)
nhead = re.sub(r"^(Subject: \[[^]\n]*?[0-9]+/[0-9]+\] )\*\*\* SUBJECT HERE \*\*\*",
               lambda m: m.group(1) + subj.group(1), nhead, flags=re.M)
if "*** BLURB HERE ***" not in nbody:
    sys.exit("new cover letter: no blurb marker")
nbody = nbody.replace("*** BLURB HERE ***\n\n", blurb, 1)
open(sys.argv[2], "w").write(nhead + "\n\n" + nbody)
EOF
fi

rm -f "$pdir"/[0-9][0-9][0-9][0-9]-*.patch
cp "$tmp"/*.patch "$pdir"/
{
	grep '^#' "$pdir/series" 2>/dev/null ||
		echo "# The series, in \`git am\` order (tools/lab/base.sh applies it on ./base)."
	for f in "$tmp"/[0-9][0-9][0-9][0-9]-*.patch; do
		case ${f##*/} in 0000-*) ;; *) echo "${f##*/}" ;; esac
	done
} >"$tmp/series" && mv "$tmp/series" "$pdir/series"
log "exported $n patches from $kdir ($LAB_BASE_TAG..$branch) to patches/$LAB_TARGET/"

[ "$(copies_target)" = "$LAB_TARGET" ] || exit 0
mapfile -t added < <(git -C "$kdir" diff --name-only --diff-filter=A "$LAB_BASE_TAG" "$branch" |
	grep -E '^(drivers|include|tools|Documentation)/' | grep -v '^tools/lab/')
(cd "$REPO" && git ls-files drivers include Documentation tools | grep -v '^tools/lab/') |
	while read -r f; do
		printf '%s\n' "${added[@]}" | grep -qxF "$f" || git -C "$REPO" rm -q "$f"
	done
for f in "${added[@]}"; do
	mkdir -p "$REPO/$(dirname "$f")"
	git -C "$kdir" show "$branch:$f" >"$REPO/$f"
done
git -C "$kdir" diff "$LAB_BASE_TAG" "$branch" -- MAINTAINERS |
	awk '/^\+\+\+/ { next } /^\+/ { print substr($0, 2) }' |
	sed -e '/./,$!d' | tac | sed -e '/./,$!d' | tac >"$REPO/MAINTAINERS"
log "regenerated ${#added[@]} repo copies and MAINTAINERS from $branch"
