#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate patches/ from a kernel branch that holds the series as commits.
#
#   tools/lab/export.sh KERNEL_REPO [BRANCH]
#
# KERNEL_REPO must have the lab's base tag (lab-base), e.g. a worktree of
# ~/.cache/vtd-lab/src/linux. The series is lab-base..BRANCH (default: the
# repo's current branch). patches/0001-*.patch ... and patches/series are
# replaced; the cover letter keeps its subject and blurb (everything above
# the shortlog) and gets a fresh shortlog and diffstat. Nothing else in
# patches/ is touched.
. "$(dirname "$0")/lib.sh"

kdir=${1:?usage: export.sh KERNEL_REPO [BRANCH]}
branch=${2:-HEAD}
pdir=$REPO/patches
cover=$pdir/0000-cover-letter.patch

git -C "$kdir" rev-parse -q --verify "$LAB_BASE_TAG^{commit}" >/dev/null ||
	die export "$kdir has no $LAB_BASE_TAG tag"
n=$(git -C "$kdir" rev-list --count "$LAB_BASE_TAG..$branch")
[ "$n" -gt 0 ] || die export "$LAB_BASE_TAG..$branch is empty"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$kdir" format-patch -q --cover-letter -o "$tmp" \
	"$LAB_BASE_TAG..$branch" || die export "git format-patch failed"

new_cover=$(ls "$tmp"/0000-*.patch)
if [ -f "$cover" ]; then
	# Old blurb: from the first blank line after the header to the line
	# before the shortlog ("Name (N):"). Old subject line(s) likewise.
	python3 - "$cover" "$new_cover" "$n" <<'EOF' || die export "cannot splice the cover letter"
import re, sys
old, new, n = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
ohead, obody = old.split("\n\n", 1)
subj = re.search(r"^Subject: \[PATCH [0-9]+/[0-9]+\] (.*(?:\n .*)*)", ohead, re.M)
short = re.search(r"^\S.* \([0-9]+\):$", obody, re.M)
if not subj or not short:
    sys.exit("old cover letter: no subject or no shortlog")
blurb = obody[:short.start()]
nhead, nbody = new.split("\n\n", 1)
nhead = re.sub(r"^(Subject: \[PATCH [0-9]+/[0-9]+\] )\*\*\* SUBJECT HERE \*\*\*",
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
		echo '# The series, in `git am` order (tools/lab/base.sh applies it on patches/base).'
	(cd "$tmp" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-')
} >"$tmp/series" && mv "$tmp/series" "$pdir/series"
log "exported $n patches from $kdir ($LAB_BASE_TAG..$branch) to patches/"
