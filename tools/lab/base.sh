#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# base.sh: for target $LAB_TARGET, fetch its pinned base (patches/T/base)
# with apt-get through the lab's private apt configuration (lib.sh:
# lab_apt; lab_apt_update must have run), turn it into a git tree tagged
# $LAB_BASE_TAG, and `git am` patches/T/series onto branch
# $LAB_SERIES_BRANCH, one commit per patch.
#
# Failures are named: a failed download, a corrupt package, a patch that
# does not apply (patch and file named). A pinned version that has left the
# archive falls back to the newest of the same package, loudly, and
# $TOUT/base.txt (which every report prints) says so. A newer version than
# the pinned one is reported, with whether the series applies to it, in
# $TOUT/newer.txt: information, never a failure.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
lab_target "${LAB_TARGET:?LAB_TARGET unset}"
mkdir -p "$LAB_CACHE/dl" "$LAB_CACHE/$LAB_TARGET"
echo "1..1"	# TAP on stdout: the base and the series applied

deb_path() { echo "$LAB_CACHE/dl/${BASE_PACKAGE}_${1#*:}_all.deb"; }

available_versions() {
	lab_apt apt-cache madison "$BASE_PACKAGE" 2>/dev/null |
		awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -uV
}

fetch() { # VERSION -> path of the verified .deb in the cache
	local ver=$1 tmp deb
	deb=$(deb_path "$ver")
	if [ -f "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; then
		echo "$deb"
		return 0
	fi
	# A corrupt cached file is dropped, never used.
	[ -f "$deb" ] && { warn "base: cached $deb is corrupt; downloading again"; rm -f "$deb"; }
	tmp=$(mktemp -d "$LAB_CACHE/dl/.tmp.XXXXXX")
	log "base: downloading $BASE_PACKAGE=$ver"
	if ! (cd "$tmp" && lab_apt apt-get download "$BASE_PACKAGE=$ver") >"$tmp/log" 2>&1; then
		warn "base: apt-get download $BASE_PACKAGE=$ver failed: $(grep -E '^(E|W):' "$tmp/log" | head -n 2 | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n 1)
	if [ -z "$deb" ] || ! dpkg-deb --info "$deb" >/dev/null 2>&1; then
		rm -rf "$tmp"
		die base-download "downloaded $BASE_PACKAGE=$ver is not a valid .deb"
	fi
	mv "$deb" "$(deb_path "$ver")"
	rm -rf "$tmp"
	deb_path "$ver"
}

# untar DEB DIR [PATHS...]: the kernel tree of DEB (or only PATHS of it)
# into DIR, top directory stripped.
untar() {
	local deb=$1 dir=$2
	shift 2
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$dir" --strip-components=1 --wildcards "${@/#/*/}"
}

# 1. The package: pinned, or the newest of the same package, loudly.
vers=$(available_versions)
[ -n "$vers" ] || die base-download "$BASE_PACKAGE: not in the lab's apt lists (suite $BASE_SUITE; see $LAB_OUT/logs/apt-private.log)"
used=$BASE_VERSION
note=pinned
if ! deb=$(fetch "$BASE_VERSION"); then
	if grep -qxF "$BASE_VERSION" <<<"$vers"; then
		die base-download "$BASE_PACKAGE=$BASE_VERSION is listed in $BASE_SUITE but the download failed (network?)"
	fi
	newest=$(tail -n 1 <<<"$vers")
	for _ in 1 2 3; do
		warn "******************************************************************"
	done
	warn "base[$LAB_TARGET]: pinned $BASE_PACKAGE=$BASE_VERSION is NOT in the archive;"
	warn "base[$LAB_TARGET]: FALLING BACK to the newest: $newest. Results are NOT for the pinned base."
	deb=$(fetch "$newest") || die base-download "fallback $BASE_PACKAGE=$newest: download failed"
	used=$newest
	note="FALLBACK (pinned $BASE_VERSION missing)"
fi
echo "$BASE_PACKAGE $used $note" >"$TOUT/base.txt"

# 2. The tree: extracted once per version, one commit, tagged.
stamp=$LAB_CACHE/$LAB_TARGET/linux.version
if [ "$(cat "$stamp" 2>/dev/null)" != "$used" ] ||
   ! kgit rev-parse -q --verify "refs/tags/$LAB_BASE_TAG" >/dev/null 2>&1; then
	log "base[$LAB_TARGET]: extracting $(basename "$deb")"
	rm -rf "$LAB_SRC" "$stamp" "$LAB_OBJ"
	mkdir -p "$LAB_SRC"
	untar "$deb" "$LAB_SRC" ||
		die base-extract "could not extract the kernel tarball from $deb"
	[ -f "$LAB_SRC/Makefile" ] || die base-extract "no Makefile in the tree extracted from $deb"
	# Debian's top-level .gitignore ignores everything (/*): add with -f.
	kgit init -q
	kgit add -f -A . || die base-git "git add failed"
	GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' \
		kgit commit -q -m "Debian $BASE_PACKAGE $used" || die base-git "git commit failed"
	kgit tag "$LAB_BASE_TAG"
	echo "$used" >"$stamp"
fi

# 3. The series: every patch listed must exist and every patch must be listed.
mapfile -t patches < <(series_patches)
for p in "${patches[@]}"; do
	[ -f "$TDIR/$p" ] || die series "patches/$LAB_TARGET/series lists $p, which does not exist"
done
for f in "$TDIR"/*.patch; do
	[ -e "$f" ] || continue
	b=$(basename "$f")
	case "$b" in 0000-*) continue ;; esac
	printf '%s\n' "${patches[@]}" | grep -qxF "$b" ||
		die series "patches/$LAB_TARGET/$b is not listed in patches/$LAB_TARGET/series"
done

# LAB_TEST_PATCHES must be patches of the series.
for p in $LAB_TEST_PATCHES; do
	printf '%s\n' "${patches[@]}" | grep -qxF "$p" ||
		die series "patches/$LAB_TARGET/base: LAB_TEST_PATCHES names $p, which the series does not list"
done

# am_all GITDIR [PATCH...]: git am the patches (default: the series) in
# GITDIR; on failure print "PATCH|FILES" and return 1.
am_all() {
	local g=$1 p out files
	shift
	[ $# -gt 0 ] || set -- "${patches[@]}"
	for p in "$@"; do
		if ! out=$(GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' git -C "$g" \
				-c user.name=vtd-lab -c user.email=vtd-lab@localhost \
				am -q "$TDIR/$p" 2>&1); then
			files=$(echo "$out" | sed -n -e 's/^error: patch failed: \([^:]*\):.*/\1/p' \
				-e 's/^error: \([^:]*\): does not exist in index/\1/p' \
				-e 's/^error: \([^:]*\): already exists in index/\1/p' | sort -u | tr '\n' ' ')
			git -C "$g" am --abort >/dev/null 2>&1
			echo "$out" >&2
			echo "$p|${files:-see above}"
			return 1
		fi
	done
}

# Applied once per series: the same patches give the same commits (fixed
# dates), and an unchanged series leaves the tree and its timestamps alone,
# so nothing is rebuilt for it.
sstamp=$LAB_CACHE/$LAB_TARGET/series.stamp
skey="$used $(cat "${patches[@]/#/$TDIR/}" /dev/null | sha1sum | cut -c1-40) tests:${LAB_TEST_PATCHES// /,}"
if [ "$(cat "$sstamp" 2>/dev/null)" = "$skey" ] &&
   kgit rev-parse -q --verify "refs/heads/$LAB_SERIES_BRANCH" >/dev/null &&
   { [ -z "$LAB_TEST_PATCHES" ] ||
     kgit rev-parse -q --verify "refs/heads/$LAB_TESTS_BRANCH" >/dev/null; }; then
	log "base[$LAB_TARGET]: series unchanged since it was applied"
else
	rm -f "$sstamp"
	kgit am --abort >/dev/null 2>&1 || true
	kgit checkout -q -f -B "$LAB_SERIES_BRANCH" "$LAB_BASE_TAG" || die base-git "checkout failed"
	if ! r=$(am_all "$LAB_SRC"); then
		die series "target $LAB_TARGET: patch ${r%%|*} does not apply to $BASE_PACKAGE $used (failing file: ${r#*|})"
	fi
	# The series' test patches alone on the base: the kernel on which
	# the KUnit guards must fail (the fixes they guard are missing).
	kgit branch -q -D "$LAB_TESTS_BRANCH" >/dev/null 2>&1 || true
	if [ -n "$LAB_TEST_PATCHES" ]; then
		kgit checkout -q -f -B "$LAB_TESTS_BRANCH" "$LAB_BASE_TAG" || die base-git "checkout failed"
		# shellcheck disable=SC2086 # a list of patch names
		if ! r=$(am_all "$LAB_SRC" $LAB_TEST_PATCHES); then
			die series "target $LAB_TARGET: test patch ${r%%|*} does not apply alone to $BASE_PACKAGE $used (failing file: ${r#*|})"
		fi
		kgit checkout -q -f "$LAB_SERIES_BRANCH" || die base-git "checkout failed"
	fi
	echo "$skey" >"$sstamp"
fi
log "base[$LAB_TARGET]: $BASE_PACKAGE $used ($note) + ${#patches[@]} patches -> $(kgit rev-parse --short HEAD)"
echo "ok - base: $BASE_PACKAGE $used ($note), ${#patches[@]} patches applied with git am"

# 4. A newer version of the package: does the series apply to it? Only the
# files the series touches are extracted; the answer is cached per version
# and series.
newest=$(tail -n 1 <<<"$vers")
if [ "$newest" = "$used" ] || [ "$(printf '%s\n%s\n' "$used" "$newest" | sort -V | tail -n 1)" = "$used" ]; then
	echo "no newer $BASE_PACKAGE than $used in $BASE_SUITE" >"$TOUT/newer.txt"
	exit 0
fi
key=$(cat "${patches[@]/#/$TDIR/}" /dev/null | sha1sum | cut -c1-12)
cached=$LAB_CACHE/$LAB_TARGET/newer-$newest-$key.txt
if [ ! -f "$cached" ]; then
	log "base[$LAB_TARGET]: newer $BASE_PACKAGE $newest exists; does the series apply to it?"
	if ! ndeb=$(fetch "$newest"); then
		echo "newer $BASE_PACKAGE $newest exists; could not download it to check the series" >"$TOUT/newer.txt"
		exit 0
	fi
	mapfile -t files < <(cat "${patches[@]/#/$TDIR/}" /dev/null |
		sed -n 's#^--- a/\(.*\)#\1#p' | sort -u)
	tmp=$(mktemp -d)
	git -C "$tmp" init -q
	if [ ${#files[@]} -gt 0 ]; then
		untar "$ndeb" "$tmp" "${files[@]}" 2>/dev/null
	fi
	git -C "$tmp" add -f -A . && git -C "$tmp" -c user.name=l -c user.email=l@l \
		commit -q --allow-empty -m newer
	if r=$(am_all "$tmp" 2>/dev/null); then
		echo "newer $BASE_PACKAGE $newest exists; the series (${#patches[@]} patches) applies to it" >"$cached"
	else
		echo "newer $BASE_PACKAGE $newest exists; the series does NOT apply to it: ${r%%|*} fails at ${r#*|}" >"$cached"
	fi
	rm -rf "$tmp"
fi
cp "$cached" "$TOUT/newer.txt"
warn "base[$LAB_TARGET]: $(cat "$TOUT/newer.txt")"
echo "# $(cat "$TOUT/newer.txt")"
