# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the VT-d lab scripts. Sourced, never executed.
#
# Layout (all overridable from the environment):
#   LAB_CACHE  reusable state outside the repo (~/.cache/vtd-lab):
#                dl/          downloaded linux-source .debs (all targets)
#                apt/         the private apt configuration and its lists
#                ccache/      one compiler cache for every target
#                T/linux      target T's kernel git tree (tag lab-base,
#                             branch lab-series), T/obj its build directory
#   LAB_OUT    this run's products (<repo>/build): initramfs, timings,
#              the summary TAP; per target, LAB_OUT/T/: kernels, runs, logs,
#              its TAP files and report
#
# Targets: every patches/T/ with a file "base" (LAB_TARGETS_DEFAULT below
# orders them; LAB_TARGETS picks some). A script working on one target
# gets it as LAB_TARGET and calls lab_target first.

# Sourced: the variables set here are used by the scripts that source it.
# shellcheck disable=SC2034
set -o pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_CACHE=${LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtd-lab}
LAB_OUT=${LAB_OUT:-$REPO/build}
LAB_JOBS=${LAB_JOBS:-$(nproc)}
LAB_T0=${LAB_T0:-$(date +%s)}
export LAB_CACHE LAB_OUT LAB_T0

# QEMU modes, MODE:CM each (tools/lab/qemu.sh): legacy, scalable mode
# with second-stage (x-flts=off) and with first-stage (x-flts=on)
# translation, each with caching mode off and on. LAB_MODES overrides.
LAB_MODES_ALL="legacy:off legacy:on scalable-ss:off scalable-ss:on scalable-fs:off scalable-fs:on"
# A stable target's matrix (lighter): each translation type once, both
# caching modes, the guard scenarios' first mode (legacy cm=off) first.
LAB_MODES_STABLE="legacy:off scalable-ss:on scalable-fs:off"

# qemu_check_mode MODE: die unless MODE is one the lab knows.
qemu_check_mode() {
	case $1 in
	legacy | scalable-ss | scalable-fs) ;;
	*) die qemu "unknown mode '$1' (legacy, scalable-ss, scalable-fs)" ;;
	esac
}

# mode_label MODE CM: the report's name of a run: QEMU version and stage.
mode_label() {
	local stage
	case $1 in
	legacy) stage="legacy, 2nd-stage" ;;
	scalable-ss) stage="scalable, 2nd-stage" ;;
	scalable-fs) stage="scalable, 1st-stage" ;;
	esac
	printf 'qemu %s %s cm=%s' "$(qemu_version)" "$stage" "$2"
}

# qemu_version: QEMU's version (e.g. 10.0.2), once per run.
qemu_version() {
	[ -n "${LAB_QEMU_VERSION:-}" ] ||
		LAB_QEMU_VERSION=$(qemu-system-x86_64 --version 2>/dev/null |
			sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
	echo "${LAB_QEMU_VERSION:-?}"
}

# The guest scenarios every QEMU run executes unless told otherwise.
LAB_SCENARIOS_DEFAULT=boot,switch,ats,kunit
# The kdump scenario's own runs (it ends in a panic), MODE:CM each;
# LAB_KDUMP_MODES overrides it (empty: none). A target's base file may
# add runs (LAB_KDUMP_EXTRA); an entry MODE:CM:pt is the scenario's
# pass-through variant (the crash kernel boots with iommu.passthrough=1;
# see scenarios/kdump.sh).
LAB_KDUMP_MODES=${LAB_KDUMP_MODES-legacy:off scalable-fs:on}

# Tag and branch names inside the lab's kernel git tree.
LAB_BASE_TAG=lab-base
LAB_SERIES_BRANCH=lab-series
LAB_TESTS_BRANCH=lab-base-tests

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
}

STEPS=()
# step LABEL FILE CMD...: run one step whose results (TAP with a plan) are
# its standard output, kept in FILE; "step -f" for a command that writes
# FILE itself (qemu.sh, static.sh). Its exit status goes to FILE.rc, its
# error output also to FILE.err, its time to timings.txt; summary.sh
# judges all three.
step() {
	local self=0 label file t0 rc
	[ "$1" = -f ] && { self=1; shift; }
	label=$1 file=$2
	shift 2
	t0=$(date +%s)
	mkdir -p "$(dirname "$file")"
	rm -f "$file" "$file.rc" "$file.err"
	if [ $self -eq 1 ]; then
		{ "$@" 2>&1 1>&3 3>&- | tee -a "$file.err" >&2; } 3>&1
	else
		{ "$@" 2>&1 1>&3 3>&- | tee -a "$file.err" >&2; } 3>"$file"
	fi
	rc=${PIPESTATUS[0]}
	echo "$rc" >"$file.rc"
	echo "$label $(($(date +%s) - t0))" >>"$LAB_OUT/timings.txt"
	STEPS+=("$label=$file")
	return "$rc"
}

# tapfile FILE LINE...: a step's results written at once, with their plan.
tapfile() {
	local f=$1
	shift
	{ echo "1..$#"; printf '%s\n' "$@"; } >"$f"
}

# The targets, in report order.
LAB_TARGETS_DEFAULT="mainline 6.12.y 6.1.y"
lab_targets() {
	local t
	for t in ${LAB_TARGETS:-$LAB_TARGETS_DEFAULT}; do
		[ -f "$REPO/patches/$t/base" ] || die targets "no target $t (patches/$t/base missing)"
		echo "$t"
	done
}

# lab_target T: select target T: its base (patches/T/base: BASE_PACKAGE,
# BASE_VERSION, BASE_SUITE, BASE_KERNEL, LAB_PROFILE) and its paths.
#   LAB_PROFILE  full    static checks, checker, whole matrix, kdump, mutants
#                stable  static checks, boot plus the scenarios that guard
#                        its fixes, kdump (lighter: stable sets are small)
#   LAB_TEST_PATCHES  the series' patches that only add tests; applied
#                alone on the base they give the "base-tests" kernel
#   LAB_KUNIT_GUARDS  KUnit cases (suite.case) of those tests that guard a
#                fix: each must fail on base-tests and pass on the series
#   LAB_WITH_CHECKER=no, LAB_WITH_MUTANTS=no: a full target whose series carries no
#                checker / that no mutant names: reported as skipped
#   LAB_SUBJECT_PREFIX  export.sh's subject prefix ("PATCH 6.12.y")
lab_target() {
	LAB_TARGET=${1:?target}
	TDIR=$REPO/patches/$LAB_TARGET
	[ -f "$TDIR/base" ] || die target "patches/$LAB_TARGET/base is missing"
	BASE_PACKAGE='' BASE_VERSION='' BASE_SUITE='' BASE_KERNEL='' LAB_PROFILE=''
	LAB_TEST_PATCHES='' LAB_KUNIT_GUARDS='' LAB_WITH_CHECKER='' LAB_WITH_MUTANTS=''
	LAB_SUBJECT_PREFIX='' LAB_KDUMP_EXTRA=''
	# shellcheck source=/dev/null
	. "$TDIR/base"
	: "${BASE_PACKAGE:?patches/$LAB_TARGET/base: BASE_PACKAGE unset}"
	: "${BASE_VERSION:?patches/$LAB_TARGET/base: BASE_VERSION unset}"
	: "${BASE_SUITE:?patches/$LAB_TARGET/base: BASE_SUITE unset}"
	case ${LAB_PROFILE:=stable} in
	full | stable) ;;
	*) die target "patches/$LAB_TARGET/base: LAB_PROFILE=$LAB_PROFILE (full or stable)" ;;
	esac
	local m
	for m in $LAB_KDUMP_MODES $LAB_KDUMP_EXTRA; do
		case $m in
		legacy:on | legacy:off | scalable-[sf]s:on | scalable-[sf]s:off) ;;
		legacy:on:pt | legacy:off:pt | scalable-[sf]s:on:pt | scalable-[sf]s:off:pt) ;;
		*) die target "kdump mode '$m' (LAB_KDUMP_MODES or patches/$LAB_TARGET/base's LAB_KDUMP_EXTRA): MODE:CM or MODE:CM:pt" ;;
		esac
	done
	LAB_SRC=$LAB_CACHE/$LAB_TARGET/linux
	LAB_OBJ=$LAB_CACHE/$LAB_TARGET/obj
	TOUT=$LAB_OUT/$LAB_TARGET
	export LAB_TARGET
	mkdir -p "$TOUT/logs" "$TOUT/kernels"
}

# The series of the current target, in order, from patches/T/series
# (comments and blanks ignored).
series_patches() {
	[ -f "$TDIR/series" ] || die series "patches/$LAB_TARGET/series is missing"
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$TDIR/series" |
		grep -v '^$' || true
}

# The target whose added files the repo keeps at their kernel paths
# (drivers/, include/, tools/testing/, Documentation/, MAINTAINERS): the
# one whose base file says LAB_REPO_COPIES=yes.
copies_target() {
	[ "$(grep -l '^LAB_REPO_COPIES=yes' "$REPO"/patches/*/base 2>/dev/null | wc -l)" -le 1 ] ||
		die layout "more than one patches/*/base says LAB_REPO_COPIES=yes"
	grep -l '^LAB_REPO_COPIES=yes' "$REPO"/patches/*/base 2>/dev/null |
		sed 's#.*/patches/\(.*\)/base#\1#'
}

# lab_apt CMD ARGS...: apt-get or apt-cache with the lab's private
# configuration: the machine's Debian mirrors, with only the suites the
# targets name (never the system's sources, so nothing is installed from
# them). lab_apt_update writes it and fetches its package lists.
LAB_APT=$LAB_CACHE/apt
lab_apt() {
	local cmd=$1
	shift
	"$cmd" -o Dir::Etc::sourcelist="$LAB_APT/sources.list" \
		-o Dir::Etc::sourceparts=- -o Dir::State::Lists="$LAB_APT/lists" \
		-o Dir::Cache="$LAB_APT/cache" -o APT::Get::List-Cleanup=0 \
		-o Debug::NoLocking=1 "$@"
}

# debian_mirror SUITE: the mirror URI the machine's own apt sources use
# for SUITE's family (debian-security for *-security, else the main one).
debian_mirror() {
	local want=main u
	case $1 in *-security) want=security ;; esac
	u=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v want=$want '
		/^URIs:/ { uri = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) {
			s = ($i ~ /-security$/) ? "security" : "main"
			if (s == want && !(s in found)) found[s] = uri } }
		/^$/ { uri = "" }
		END { print found[want] }')
	[ -n "$u" ] || u=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk -v want=$want '
		{ s = ($3 ~ /-security$/) ? "security" : "main"; if (s == want) { print $2; exit } }')
	echo "$u"
}

lab_apt_update() {
	local suites s m
	suites=$(for t in $(lab_targets); do sed -n 's/^BASE_SUITE=//p' "$REPO/patches/$t/base"; done | sort -u)
	mkdir -p "$LAB_APT/lists/partial" "$LAB_APT/cache/archives/partial"
	for s in $suites; do
		m=$(debian_mirror "$s")
		[ -n "$m" ] || die apt "no Debian mirror for suite $s in /etc/apt/sources.list{,.d} (what does this machine use?)"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $m $s main"
	done >"$LAB_APT/sources.list.new"
	mv "$LAB_APT/sources.list.new" "$LAB_APT/sources.list"
	lab_apt apt-get update -q >"$LAB_OUT/logs/apt-private.log" 2>&1 ||
		die apt "apt-get update with the lab's private sources failed ($(grep -E '^(E|W):' "$LAB_OUT/logs/apt-private.log" | head -n 2 | tr '\n' ' ')); sources: $(tr '\n' ';' <"$LAB_APT/sources.list")"
	grep -qE '^(E|W): Failed' "$LAB_OUT/logs/apt-private.log" &&
		die apt "apt-get update could not fetch a suite: $(grep -E '^(E|W): Failed' "$LAB_OUT/logs/apt-private.log" | head -n 2 | tr '\n' ' ')"
	log "apt: private sources: $(awk '{print $4}' "$LAB_APT/sources.list" | tr '\n' ' ')"
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

# kdump_dirs DIR: the run directories of the kdump scenario's runs (it
# ends in a panic and a crash kernel, so it runs alone), one per
# LAB_KDUMP_MODES and LAB_KDUMP_EXTRA entry (none when LAB_KDUMP_MODES
# is empty): DIR/kdump-<mode>-cm<cm>[-pt].
kdump_dirs() {
	local m
	[ -n "$LAB_KDUMP_MODES" ] || return 0
	for m in $LAB_KDUMP_MODES ${LAB_KDUMP_EXTRA:-}; do
		kdump_dir "$1" "$m"
	done
}

# kdump_dir DIR MODE:CM[:pt]: that entry's run directory.
kdump_dir() {
	local m=$2 v=
	case $m in
	*:*:pt) v=-pt; m=${m%:*} ;;
	esac
	echo "$1/kdump-${m%:*}-cm${m#*:}$v"
}

# kdump_run BZIMAGE RUNDIR: the kdump scenario on BZIMAGE in the mode
# RUNDIR's name says (kdump_dir); the pass-through variant tells the
# scenario to boot the crash kernel with iommu.passthrough=1
# (lab.kdump.crash_pt=1).
kdump_run() {
	local m=${2##*/kdump-} v=
	case $m in
	*-pt) v=", crash kernel in pass-through"; m=${m%-pt} ;;
	esac
	log "qemu: kdump, $(basename "$1"), ${m%-cm*} mode, caching-mode=${m##*-cm}$v"
	if [ -n "$v" ]; then
		LAB_APPEND="${LAB_APPEND:-} lab.kdump.crash_pt=1" \
			"$LAB_DIR/qemu.sh" "$1" "${m%-cm*}" "${m##*-cm}" "$2" kdump 1
	else
		"$LAB_DIR/qemu.sh" "$1" "${m%-cm*}" "${m##*-cm}" "$2" kdump 1
	fi
}
