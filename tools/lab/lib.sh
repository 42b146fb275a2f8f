# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the VT-d lab scripts. Sourced, never executed.
#
# Layout (all overridable from the environment):
#   LAB_CACHE  reusable state outside the repo: the base .deb, the kernel
#              git tree, the build directory, ccache   (~/.cache/vtd-lab)
#   LAB_OUT    this run's products: kernels, initramfs, logs, results,
#              reports                                  (<repo>/build)

set -o pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtd-lab}
LAB_OUT=${LAB_OUT:-$REPO/build}
LAB_SRC=$LAB_CACHE/src/linux
LAB_OBJ=$LAB_CACHE/obj
LAB_JOBS=${LAB_JOBS:-$(nproc)}
LAB_T0=${LAB_T0:-$(date +%s)}
export LAB_CACHE LAB_OUT LAB_T0

# The guest scenarios every QEMU run executes unless told otherwise.
LAB_SCENARIOS_DEFAULT=boot,switch,ats,kunit
# The kdump scenario's own runs (it ends in a panic), MODE:CM each;
# LAB_KDUMP_MODES overrides it (empty: none).
LAB_KDUMP_MODES=${LAB_KDUMP_MODES-legacy:off scalable:on}

# Tag and branch names inside the lab's kernel git tree.
LAB_BASE_TAG=lab-base
LAB_SERIES_BRANCH=lab-series

_elapsed() {
	local s=$(($(date +%s) - LAB_T0))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# Progress goes to stderr so that stdout stays TAP/report only.
log() { printf '[lab %s] %s\n' "$(_elapsed)" "$*" >&2; }
warn() { printf '[lab %s] WARNING: %s\n' "$(_elapsed)" "$*" >&2; }

# die NAME MESSAGE...: a failure reported by name; exit 2 so callers can
# tell "the lab broke" from "a test failed" (exit 1).
die() {
	local name=$1
	shift
	printf '[lab %s] ERROR [%s]: %s\n' "$(_elapsed)" "$name" "$*" >&2
	exit 2
}

# run_step NAME LOGFILE CMD...: run a long command with its output in
# LOGFILE, printing the step name and elapsed time every 30 s; on failure
# show the tail of the log and die with the step's name.
run_step() {
	local name=$1 logf=$2 start rc pid
	shift 2
	mkdir -p "$(dirname "$logf")"
	start=$(date +%s)
	log "$name: started (log: $logf)"
	"$@" >"$logf" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 5
		if kill -0 "$pid" 2>/dev/null &&
		   (( ($(date +%s) - start) % 30 < 5 )); then
			log "$name: running for $(($(date +%s) - start))s"
		fi
	done
	wait "$pid"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		printf '%s\n' "---- last lines of $logf ----" >&2
		grep -E 'error|Error|ERROR|\*\*\*' "$logf" | tail -n 20 >&2 ||
			tail -n 20 "$logf" >&2
		die "$name" "failed with exit code $rc (full log: $logf)"
	fi
	log "$name: done in $(($(date +%s) - start))s"
	echo "$name $(($(date +%s) - start))" >>"$LAB_OUT/timings.txt"
}

# The pinned base, recorded in patches/base.
load_base() {
	[ -f "$REPO/patches/base" ] || die base "patches/base is missing"
	# shellcheck source=/dev/null
	. "$REPO/patches/base"
	: "${BASE_PACKAGE:?patches/base: BASE_PACKAGE unset}"
	: "${BASE_VERSION:?patches/base: BASE_VERSION unset}"
}

# The series, in order, from patches/series (comments and blanks ignored).
series_patches() {
	[ -f "$REPO/patches/series" ] || die series "patches/series is missing"
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$REPO/patches/series" |
		grep -v '^$' || true
}

# kgit ARGS...: git in the lab kernel tree with a fixed identity, so the
# lab's own commits never depend on the user's configuration.
kgit() {
	git -C "$LAB_SRC" -c user.name=vtd-lab -c user.email=vtd-lab@localhost \
		-c advice.detachedHead=false "$@"
}

# make in the kernel tree, out of tree, through ccache.
kmake() {
	local cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc"
	CCACHE_DIR=$LAB_CACHE/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G} \
	CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime \
	CCACHE_NOHASHDIR=1 CCACHE_BASEDIR=$LAB_CACHE \
	KBUILD_BUILD_TIMESTAMP='2026-01-01 00:00:00' \
	KBUILD_BUILD_USER=lab KBUILD_BUILD_HOST=lab \
		make -C "$LAB_SRC" O="$LAB_OBJ" CC="$cc" HOSTCC=gcc \
		-j"$LAB_JOBS" "$@"
}

# A process-wide lock on the cache: two lab runs must not share the tree.
lab_lock() {
	mkdir -p "$LAB_CACHE"
	exec 9>"$LAB_CACHE/.lock"
	if ! flock -n 9; then
		log "another lab run holds $LAB_CACHE/.lock; waiting"
		flock 9
	fi
}

# kdump_runs BZIMAGE DIR: the kdump scenario alone (it ends in a panic and
# a crash kernel) in each of LAB_KDUMP_MODES, into DIR/kdump-<mode>-cm<cm>;
# prints each run's directory.
kdump_runs() {
	local m d
	for m in $LAB_KDUMP_MODES; do
		d=$2/kdump-${m%:*}-cm${m#*:}
		log "qemu: kdump, $(basename "$1"), ${m%:*} mode, caching-mode=${m#*:}"
		"$LAB_DIR/qemu.sh" "$1" "${m%:*}" "${m#*:}" "$d" kdump 1 >/dev/null ||
			log "qemu: kdump ${m%:*} cm=${m#*:}: failures (see $d)"
		echo "$d"
	done
}
