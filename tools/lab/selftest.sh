#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The harness's self-test: break things on purpose, each in a scratch copy
# (scratch output, scratch mutants, scratch patches, a shared clone of the
# kernel tree), and require the summary to fail naming the reason. A
# harness that cannot fail proves nothing. TAP on stdout:
#   summary      the judge alone (summary.sh): a missing result file, no
#                plan, fewer and more results than planned, an exit status
#                2, an exit 1 without a failed line
#   dying step   a real step (lib.sh's step) that writes two passing lines
#                of the three it declared, then dies
#   mutant build mutants.sh with a mutant whose kernel does not build and
#                one that no longer applies: both not ok, the loop goes on,
#                the plan is met (needs a target with LAB_PROFILE=full and
#                a series that adds drivers/iommu/intel/entry.c)
#   series       base.sh on a target whose series does not apply: named
#   fallback     a scalable-fs run in which QEMU silently gives
#                second-stage (x-flts=off behind the mode's name): the boot
#                scenario fails on the PGTT check
# Each line: ok when the summary failed and named the reason.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

S=$LAB_OUT/selftest
rm -rf "$S"
mkdir -p "$S"
echo "1..5"

# judge NAME EXPECT LABEL=FILE...: ok when summary.sh fails and its output
# matches the regex EXPECT.
judge() {
	local name=$1 expect=$2 out rc
	shift 2
	out=$("$LAB_DIR/summary.sh" "$@" 2>&1)
	rc=$?
	echo "$out" >"$S/$name.summary"
	if [ $rc -ne 0 ] && grep -qE -- "$expect" <<<"$out" &&
	   tail -n 1 <<<"$out" | grep -qE '^[0-9]+ passed, [1-9][0-9]* failed'; then
		echo "ok - $name: the summary fails: $(grep -m1 -E -- "$expect" <<<"$out" | sed 's/^not ok [0-9]* - //')"
	else
		echo "not ok - $name: the summary did not fail naming /$expect/ (exit $rc; see $S/$name.summary)"
	fi
}

# 1. The judge alone.
d=$S/summary
mkdir -p "$d"
printf '1..3\nok - a\nok - b\n' >"$d/short.tap"
printf 'ok - a\n' >"$d/noplan.tap"
printf '1..1\nok - a\nok - b\n' >"$d/long.tap"
printf '1..1\nok - a\n' >"$d/broke.tap"
echo 2 >"$d/broke.tap.rc"
printf '1..1\nok - a\n' >"$d/quiet.tap"
echo 1 >"$d/quiet.tap.rc"
bad=0
for c in "short=stopped early" "noplan=declared no plan" "long=more than the 1" \
	 "broke=step broke, exit 2" "quiet=exited 1 without a failed result" \
	 "missing=results missing"; do
	n=${c%%=*}
	out=$("$LAB_DIR/summary.sh" "$n=$d/$n.tap" 2>&1) && bad=1
	grep -q "${c#*=}" <<<"$out" || { bad=1; echo "# summary case $n: not named: $out"; }
done
[ $bad -eq 0 ] &&
	echo "ok - summary: fails on a missing result file, no plan, too few and too many results, exit 2, exit 1 without a failed line" ||
	echo "not ok - summary: a broken step passed the summary (above)"

# 2. A real step that dies half-way.
cat >"$S/dying-step" <<'EOF'
#!/usr/bin/env bash
. "$1/lib.sh"
echo "1..3"
echo "ok - first check"
echo "ok - second check"
die dying-step "provoked failure after two passing lines"
EOF
chmod +x "$S/dying-step"
(step dying "$S/dying.tap" "$S/dying-step" "$LAB_DIR" 2>/dev/null) || true
judge "dying step" 'stopped early: ERROR \[dying-step\]' "dying=$S/dying.tap"

# 3. A mutant whose kernel does not build, and one that no longer applies.
full=
for t in $(lab_targets); do
	lab_target "$t"
	[ "$LAB_PROFILE" = full ] && [ -n "$(series_patches)" ] &&
		kgit cat-file -e "$LAB_SERIES_BRANCH:drivers/iommu/intel/entry.c" 2>/dev/null &&
		{ full=$t; break; }
done
if [ -z "$full" ]; then
	echo "ok - mutant build # SKIP no full target whose series has drivers/iommu/intel/entry.c"
else
	lab_target "$full"
	m=$S/mutants
	mkdir -p "$m"
	e=drivers/iommu/intel/entry.c
	kgit show "$LAB_SERIES_BRANCH:$e" >"$S/entry.c.orig"
	{ cat "$S/entry.c.orig"; echo '#error lab self-test: this mutant must not build'; } >"$S/entry.c.new"
	{
		printf '# Mutant: a-does-not-build (harness self-test)\n# lab-target: %s\n' "$full"
		printf '# lab-caught-by: intel-iommu-entry\n'
		diff -u --label "a/$e" --label "b/$e" "$S/entry.c.orig" "$S/entry.c.new"
	} >"$m/a-does-not-build.patch"
	cat >"$m/b-does-not-apply.patch" <<EOF
# Mutant: b-does-not-apply (harness self-test)
# lab-target: $full
# lab-caught-by: vtd-check
--- a/drivers/iommu/intel/entry.c
+++ b/drivers/iommu/intel/entry.c
@@ -1,1 +1,1 @@
-no such line in entry.c
+lab self-test
EOF
	(step mutants "$S/mutants.tap" env LAB_MUTANTS="$m" "$LAB_DIR/mutants.sh" 2>/dev/null) || true
	if [ "$(grep -c '^not ok' "$S/mutants.tap")" -eq 2 ]; then
		judge "mutant build" 'mutant a-does-not-build: its kernel does not build' "mutants=$S/mutants.tap"
	else
		echo "not ok - mutant build: expected 2 not ok lines (does not build, no longer applies), got: $(grep -c '^not ok' "$S/mutants.tap")"
	fi
	# The lab tree back on its series for whatever runs next.
	kgit checkout -q -f "$LAB_SERIES_BRANCH"
fi

# 4. A target whose series does not apply: a scratch repo (tools/lab and
# patches copied) with one broken patch, on a shared clone of a kernel
# tree, so the real tree and branch are untouched.
r=$S/repo
mkdir -p "$r/tools" "$r/patches/broken"
cp -r "$LAB_DIR" "$r/tools/lab"
t=$(lab_targets | head -n 1)
lab_target "$t"
# The package and profile lines only: the broken series has no test
# patches, and the scratch repo keeps no copies.
grep '^BASE_\|^LAB_PROFILE=' "$TDIR/base" >"$r/patches/broken/base"
cat >"$r/patches/broken/0001-broken.patch" <<'EOF'
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: lab <lab@localhost>
Date: Thu, 1 Jan 2026 00:00:00 +0000
Subject: [PATCH] lab self-test: a patch that does not apply

---
 drivers/iommu/intel/iommu.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/drivers/iommu/intel/iommu.c b/drivers/iommu/intel/iommu.c
--- a/drivers/iommu/intel/iommu.c
+++ b/drivers/iommu/intel/iommu.c
@@ -1,1 +1,1 @@
-no such line in iommu.c
+lab self-test
EOF
echo 0001-broken.patch >"$r/patches/broken/series"
c=$S/cache
mkdir -p "$c/broken"
ln -s "$LAB_CACHE/dl" "$c/dl"
ln -s "$LAB_CACHE/apt" "$c/apt"
git clone -q --shared --no-checkout "$LAB_SRC" "$c/broken/linux" &&
	git -C "$c/broken/linux" checkout -q "$LAB_BASE_TAG" &&
	cp "$LAB_CACHE/$t/linux.version" "$c/broken/linux.version"
(step broken/base "$S/broken-base.tap" env LAB_CACHE="$c" LAB_OUT="$S/out" \
	LAB_TARGETS=broken LAB_TARGET=broken "$r/tools/lab/base.sh" 2>/dev/null) || true
judge "series" 'patch 0001-broken.patch does not apply .*failing file: drivers/iommu/intel/iommu.c' \
	"broken/base=$S/broken-base.tap"
rm -rf "$c" "$r"

# 5. A mode that falls back to second-stage behind its name.
k=
for t in $(lab_targets); do
	lab_target "$t"
	[ -f "$TOUT/kernels/series.bzImage" ] && { k=$TOUT/kernels/series.bzImage; break; }
done
if [ -z "$k" ]; then
	echo "ok - fallback # SKIP no series kernel was built in this run"
else
	(step -f fallback "$S/fallback/result.tap" env LAB_IOMMU_EXTRA=x-flts=off \
		"$LAB_DIR/qemu.sh" "$k" scalable-fs on "$S/fallback" boot 2 2>/dev/null) || true
	judge fallback 'boot: .*PGTT 1 \(scalable-fs; got present,PGTT = 1 2\)' "fallback=$S/fallback/result.tap"
fi
