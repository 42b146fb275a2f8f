#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch the pinned base (patches/base) with apt-get, turn it into a git tree
# tagged $LAB_BASE_TAG, and `git am` patches/series onto branch
# $LAB_SERIES_BRANCH, one commit per patch.
#
# Failures are named: a missing package version (falls back to the newest
# 6.12 with a warning recorded in $LAB_OUT/base.txt), a failed download, a
# patch that does not apply (patch and file named).
. "$(dirname "$0")/lib.sh"
load_base
mkdir -p "$LAB_CACHE/dl" "$LAB_CACHE/src" "$LAB_OUT"

deb_for() { ls "$LAB_CACHE/dl/${BASE_PACKAGE}_${1/*:/}_all.deb" 2>/dev/null; }

available_versions() {
	apt-cache madison "$BASE_PACKAGE" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}'
}

fetch() { # VERSION -> path of the .deb in the cache
	local ver=$1 tmp deb
	deb=$(deb_for "$ver")
	if [ -n "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; then
		echo "$deb"
		return 0
	fi
	tmp=$(mktemp -d "$LAB_CACHE/dl/.tmp.XXXXXX")
	log "base: downloading $BASE_PACKAGE=$ver"
	if ! (cd "$tmp" && apt-get download "$BASE_PACKAGE=$ver") >"$tmp/log" 2>&1; then
		warn "base: apt-get download $BASE_PACKAGE=$ver failed: $(grep -E '^(E|W):' "$tmp/log" | head -n 2 | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ] || ! dpkg-deb --info "$deb" >/dev/null 2>&1; then
		rm -rf "$tmp"
		die base-download "downloaded $BASE_PACKAGE=$ver is not a valid .deb"
	fi
	mv "$deb" "$LAB_CACHE/dl/"
	rm -rf "$tmp"
	deb_for "$ver"
}

# 1. The package: pinned, or the newest 6.12 with a loud warning.
used=$BASE_VERSION
note=pinned
if ! deb=$(fetch "$BASE_VERSION"); then
	vers=$(available_versions)
	if [ -z "$vers" ]; then
		log "base: no package list for $BASE_PACKAGE; running apt-get update"
		apt-get update >"$LAB_OUT/apt-update.log" 2>&1 ||
			die base-download "apt-get update failed (no network?): see $LAB_OUT/apt-update.log"
		vers=$(available_versions)
	fi
	if echo "$vers" | grep -qxF "$BASE_VERSION"; then
		deb=$(fetch "$BASE_VERSION") ||
			die base-download "$BASE_PACKAGE=$BASE_VERSION is listed but the download failed (network?)"
	else
		newest=$(echo "$vers" | sort -V | tail -n 1)
		[ -n "$newest" ] ||
			die base-download "$BASE_PACKAGE: no version in the archive (no network or no Debian mirror?)"
		for i in 1 2 3; do
			warn "******************************************************************"
		done
		warn "base: pinned $BASE_PACKAGE=$BASE_VERSION is NOT in the archive;"
		warn "base: FALLING BACK to the newest: $newest. Results are NOT for the pinned base."
		deb=$(fetch "$newest") || die base-download "fallback $BASE_PACKAGE=$newest: download failed"
		used=$newest
		note="FALLBACK (pinned $BASE_VERSION missing)"
	fi
fi
echo "$BASE_PACKAGE $used $note" >"$LAB_OUT/base.txt"

# 2. The tree: extracted once per version, one commit, tagged.
stamp=$LAB_CACHE/src/linux.version
if [ "$(cat "$stamp" 2>/dev/null)" != "$used" ] ||
   ! kgit rev-parse -q --verify "refs/tags/$LAB_BASE_TAG" >/dev/null 2>&1; then
	log "base: extracting $(basename "$deb")"
	rm -rf "$LAB_SRC" "$stamp" "$LAB_OBJ"
	mkdir -p "$LAB_SRC"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$LAB_SRC" --strip-components=1 ||
		die base-extract "could not extract the kernel tarball from $deb"
	[ -f "$LAB_SRC/Makefile" ] || die base-extract "no Makefile in the extracted tree"
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
	[ -f "$REPO/patches/$p" ] || die series "patches/series lists $p, which does not exist"
done
for f in "$REPO"/patches/*.patch; do
	[ -e "$f" ] || continue
	b=$(basename "$f")
	case "$b" in 0000-*) continue ;; esac
	printf '%s\n' "${patches[@]}" | grep -qxF "$b" ||
		die series "patches/$b is not listed in patches/series"
done

kgit am --abort >/dev/null 2>&1 || true
kgit checkout -q -f -B "$LAB_SERIES_BRANCH" "$LAB_BASE_TAG" || die base-git "checkout failed"
for p in "${patches[@]}"; do
	if ! out=$(kgit am -q "$REPO/patches/$p" 2>&1); then
		files=$(echo "$out" | sed -n -e 's/^error: patch failed: \([^:]*\):.*/\1/p' \
			-e 's/^error: \([^:]*\): does not exist in index/\1/p' \
			-e 's/^error: \([^:]*\): already exists in index/\1/p' | sort -u | tr '\n' ' ')
		kgit am --abort >/dev/null 2>&1
		echo "$out" >&2
		die series "patch $p does not apply to $BASE_PACKAGE $used (failing file: ${files:-see above})"
	fi
done
log "base: $BASE_PACKAGE $used ($note) + ${#patches[@]} patches -> $(kgit rev-parse --short HEAD)"
