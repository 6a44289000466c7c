#!/usr/bin/env bash
# Compares berth with runc and crun on the same bundle, side by side in one run, and prints
# berth's ratio to each (below 1: berth is better). Runtimes are interleaved round by round
# (their order rotating), and each figure is the median over the rounds, so a noisy spell
# of the machine hits every runtime alike. Measured, per runtime:
#   run min/median   create + start + wait + delete of a container running /bin/true
#                    (hyperfine), back to back
#   run-idle         the same after 200 ms of quiet, as when an engine starts one container
#   cycle            `create`, `start` and `delete --force` as three calls, as engines make
#                    them (bench-cycle.sh, under sh)
#   exec             `exec true` in a running container
#   userns           `run` of the same container with a user namespace of its own (ids 0-65535
#                    mapped to 100000), as podman's --userns=auto makes them (min/median)
#   exec-userns      `exec true` in a running container with such a user namespace
#   cpu, faults, cs  CPU time (user + sys), page faults and context switches per `run`, of
#                    the whole process tree (GNU time's rusage, minus the loop; see counters);
#                    cpu-userns the CPU time of the user-namespaced `run`
#   syscalls         system calls per `run` of the whole tree (strace -f -c), without the
#                    Go runtime's own housekeeping (futex, mmap, signal set-up, ...: see
#                    NOISE below), so the runtimes' work is compared, not their languages
#   rss              peak resident set of the largest process of a `run` (GNU time %M)
#   parallel 4 / 8   containers per second, 40 `run`s with 4 or 8 at a time
#   binary           the executable's size (crun: plus the shared libraries it loads)
# Raw numbers stay in OUT (default _build/bench/DATE): one line per sample in samples.txt.
#
# crun 1.8 refuses a hybrid cgroup host while any controller is left on the cgroup2 mount
# (here: hugetlb). Like systemd on hybrid hosts, the bench then mounts that controller as a
# v1 hierarchy at /sys/fs/cgroup/hugetlb for its duration, says so, and unmounts it after.
# Run it on a quiet machine: other containers started meanwhile get hugetlb cgroups too,
# and the hierarchy can only go once they are gone.
#
# Usage: contrib/bench.sh BERTH BUNDLE_TEMPLATE
#   ROUNDS=n (default 5), RUNS=n hyperfine runs per round (default 20), LOOP=n runs per
#   counter sample (default 10), RUNTIMES="runc crun" the others to compare with.
set -euo pipefail

berth=${1:?usage: bench.sh BERTH BUNDLE}
template=${2:?usage: bench.sh BERTH BUNDLE}
rounds=${ROUNDS:-5} runs=${RUNS:-20} loop=${LOOP:-10}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${OUT:-$repo/_build/bench/$(date +%Y%m%d-%H%M%S)}
for tool in hyperfine strace /usr/bin/time jq; do
	command -v "$tool" >/dev/null || { echo "bench: needs $tool (make bench-deps)" >&2; exit 1; }
done
mkdir -p "$out"
samples=$out/samples.txt
: >"$samples"

# Go-runtime housekeeping left out of the syscall count: memory, threads, signals, timers.
NOISE='^(futex|mmap|munmap|madvise|mprotect|brk|nanosleep|clock_nanosleep|clock_gettime|rt_sigaction|rt_sigprocmask|rt_sigreturn|sigaltstack|sched_yield|sched_getaffinity|gettid|getpid|tgkill|arch_prctl|set_tid_address|set_robust_list|rseq|prlimit64|epoll_create1|epoll_ctl|epoll_pwait|eventfd2|pipe2|fcntl)$'

work=$(mktemp -d)
# Searchable by others: the user-namespaced container's root (host uid 100000) reaches its
# rootfs through it.
chmod 711 "$work"
mounted_hugetlb=0
# berth runs from a copy, as the others run from files apt wrote: a binary the Go linker has
# just written sits in the page cache in a form that fault-around maps more of (0.8 MiB more
# peak RSS per `run` for the same bytes, none for a copy), and `make bench` links it first.
mkdir -p "$work/bin"
cp "$berth" "$work/bin/berth"
berth=$work/bin/berth
cleanup() {
	local rt
	for rt in "${runtimes[@]:-}"; do
		[[ -n $rt ]] && "$rt" --root "$(root_of "$rt")" delete --force "sleeper-$(name_of "$rt")" >/dev/null 2>&1
		[[ -n $rt ]] && "$rt" --root "$(root_of "$rt")" delete --force "usleeper-$(name_of "$rt")" >/dev/null 2>&1
	done
	rm -rf --one-file-system "$work"
	if ((mounted_hugetlb)); then unmount_hugetlb; fi
}

# unmount_hugetlb: the hierarchy goes, and hugetlb back to cgroup2, only once no cgroup is
# left in it: unmounting earlier would only hide it. The bench's own containers are gone by
# now; others started meanwhile on this machine may need a moment more.
#
# berth leaves the parent of its containers' cgroups (berth/), which would keep the hierarchy
# mounted for good: it goes first once it holds no cgroup (rmdir refuses it otherwise). A
# child removed just before the umount may still be dying then, which keeps the hierarchy
# alive without a mount: it is mounted and unmounted once more, when the kernel lets it go.
unmount_hugetlb() {
	local h=/sys/fs/cgroup/hugetlb tries=50
	while ((tries-- > 0)); do
		rmdir "$h/berth" 2>/dev/null || true # busy while a child is still going; retried
		if [[ -z $(find "$h" -mindepth 1 -type d 2>/dev/null) ]]; then
			umount "$h" || return
			# Each mount and umount gives the kernel another chance to let it go; a
			# single one was seen to leave it alive (a later test then found hugetlb
			# in /proc/self/cgroup with no mount to place a container in).
			for _ in 1 2 3 4 5; do
				hugetlb_back && break
				mount -t cgroup -o hugetlb cgroup "$h" && umount "$h"
			done
			rmdir "$h" && echo "bench: unmounted the hugetlb v1 hierarchy again" >&2
			hugetlb_back || echo "bench: hugetlb is not back on cgroup2 yet (/proc/cgroups)" >&2
			return
		fi
		sleep 0.1
	done
	echo "bench: $h still holds cgroups of other containers ($(find "$h" -mindepth 1 -type d | head -3 | tr '\n' ' ')):" \
		"left mounted; 'umount $h && rmdir $h' once they are gone returns hugetlb to cgroup2" >&2
}
# hugetlb_back: within a second, no v1 hierarchy holds hugetlb (/proc/cgroups: hierarchy 0);
# the kernel releases an unmounted hierarchy asynchronously.
hugetlb_back() {
	local i
	for i in {1..10}; do
		awk '$1 == "hugetlb" { exit $2 != 0 }' /proc/cgroups && return
		sleep 0.1
	done
	return 1
}
trap cleanup EXIT

name_of() { basename "$1"; }
root_of() { echo "$work/root-$(name_of "$1")"; }
run_cmd() { echo "$1 --root $(root_of "$1") run -b $work/bundle bench-$(name_of "$1")"; }
userns_cmd() { echo "$1 --root $(root_of "$1") run -b $work/userns userns-$(name_of "$1")"; }
exec_cmd() { echo "$1 --root $(root_of "$1") exec sleeper-$(name_of "$1") true"; }
exec_userns_cmd() { echo "$1 --root $(root_of "$1") exec usleeper-$(name_of "$1") true"; }
cycle_cmd() { echo "sh $here/bench-cycle.sh $1 $(root_of "$1") $work/bundle cycle-$(name_of "$1")"; }

ROOTFS_FROM=$template/rootfs RUNTIME=$berth "$here/mkbundle.sh" "$work/bundle" true
# crun 1.8 refuses newer ociVersion strings; the config uses nothing newer than 1.0.2.
jq '.ociVersion = "1.0.2"' "$work/bundle/config.json" >"$work/config.json" && mv "$work/config.json" "$work/bundle/config.json"
mkdir -p "$work/sleeper"
jq --arg r "$work/bundle/rootfs" '.root.path = $r | .process.args = ["sleep", "100000"]' \
	"$work/bundle/config.json" >"$work/sleeper/config.json"
# The rootfs stays the host root's: /bin/true is readable and executable by others.
mkdir -p "$work/userns"
jq --arg r "$work/bundle/rootfs" '.root.path = $r | .linux.namespaces += [{type: "user"}] |
	.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
	.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]' \
	"$work/bundle/config.json" >"$work/userns/config.json"
mkdir -p "$work/usleeper"
jq '.process.args = ["sleep", "100000"]' "$work/userns/config.json" >"$work/usleeper/config.json"

# hybrid_for_crun: on a hybrid host whose cgroup2 mount still holds controllers, move them to
# v1 hierarchies (only hugetlb is ever left there by the kernel's defaults).
hybrid_for_crun() {
	local ctrls=/sys/fs/cgroup/unified/cgroup.controllers
	[[ -r $ctrls && -n $(cat "$ctrls") ]] || return 0
	[[ $(cat "$ctrls") == hugetlb ]] || { echo "bench: cgroup2 holds $(cat "$ctrls"); crun will refuse" >&2; return 0; }
	mkdir -p /sys/fs/cgroup/hugetlb
	mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
	mounted_hugetlb=1
	echo "bench: mounted the hugetlb controller as a v1 hierarchy at /sys/fs/cgroup/hugetlb (crun refuses hybrid hosts otherwise); undone at the end" >&2
}

# A runtime that cannot run the bundle once is left out rather than timed.
runtimes=()
for rt in "$berth" $(command -v ${RUNTIMES:-runc crun} || true); do
	[[ $(name_of "$rt") == crun ]] && hybrid_for_crun
	read -r -a cmd <<<"$(run_cmd "$rt")"
	if "${cmd[@]}" >/dev/null 2>"$work/err" &&
		"$rt" --root "$(root_of "$rt")" run -d -b "$work/sleeper" "sleeper-$(name_of "$rt")" </dev/null >/dev/null 2>"$work/err"; then
		runtimes+=("$rt")
	else
		echo "bench: leaving out $rt: $(head -n1 "$work/err")" >&2
	fi
done
[[ ${runtimes[0]:-} == "$berth" ]] || { echo "bench: $berth cannot run the bundle" >&2; exit 1; }
# The user-namespaced run, if every runtime left can make one here.
userns_ok=1
for rt in "${runtimes[@]}"; do
	read -r -a cmd <<<"$(userns_cmd "$rt")"
	if ! "${cmd[@]}" >/dev/null 2>"$work/err" ||
		! "$rt" --root "$(root_of "$rt")" run -d -b "$work/usleeper" "usleeper-$(name_of "$rt")" </dev/null >/dev/null 2>"$work/err"; then
		echo "bench: no user-namespaced runs: $rt: $(head -n1 "$work/err")" >&2
		userns_ok=
	fi
done

# sample ROUND RUNTIME METRIC VALUE
sample() { echo "$1 $(name_of "$2") $3 $4" >>"$samples"; }

# time_cmds ROUND METRIC PREPARE FN: one hyperfine session over every runtime (in this
# round's order), recording the min and median of each.
time_cmds() {
	local round=$1 metric=$2 prepare=$3 fn=$4 rt cmds=() opts=()
	[[ -n $prepare ]] && opts=(--prepare "$prepare")
	for rt in "${order[@]}"; do cmds+=("$("$fn" "$rt")"); done
	hyperfine -N --warmup 3 --runs "$runs" "${opts[@]}" --export-json "$work/h.json" "${cmds[@]}" >/dev/null 2>&1
	local i=0
	for rt in "${order[@]}"; do
		sample "$round" "$rt" "$metric-min" "$(jq ".results[$i].min * 1000" "$work/h.json")"
		sample "$round" "$rt" "$metric" "$(jq ".results[$i].median * 1000" "$work/h.json")"
		i=$((i + 1))
	done
}

# counters ROUND RUNTIME [FN [PREFIX]]: CPU time, page faults and context switches over LOOP runs, less an
# empty loop, from the resource usage of the whole reaped process tree (wait4's rusage,
# which adds every descendant its parent waited for). GNU time gives the faults and
# switches; the CPU time comes from bash's `time` around it, the same rusage in whole
# milliseconds where GNU time prints hundredths of a second (1 ms per run over ten runs,
# too coarse for ratios of a few ms). Not perf stat: perf drops a task's inherited counters
# when it executes a file it cannot read (the kernel's rule for non-dumpable exec), which
# is how `berth init` is started, so perf would miss init and the container's process for
# berth and count them for the others.
# (FN: the command, run_cmd by default; PREFIX: put before the metrics' names, and only
# the CPU time is kept).
counters() {
	local round=$1 rt=$2 fn=${3:-run_cmd} prefix=${4:-} script TIMEFORMAT='%3U %3S'
	script="for i in \$(seq $loop); do $("$fn" "$rt") >/dev/null; done"
	{ time /usr/bin/time -f '%R %F %c %w' -o "$work/ru" sh -c "$script" 2>/dev/null; } 2>"$work/cpu"
	{ time /usr/bin/time -f '%R %F %c %w' -o "$work/ru0" sh -c "for i in \$(seq $loop); do /bin/true; done"; } 2>"$work/cpu0"
	paste -d' ' "$work/cpu" <(tail -n1 "$work/ru") >"$work/ru.all"
	paste -d' ' "$work/cpu0" <(tail -n1 "$work/ru0") >"$work/ru0.all"
	local metric
	for metric in cpu faults cs; do
		[[ -n $prefix && $metric != cpu ]] && continue
		sample "$round" "$rt" "$metric$prefix" "$(awk -v m="$metric" -v n="$loop" '
			NF == 6 && $1 ~ /^[0-9.]+$/ { f++; cpu[f] = ($1 + $2) * 1000; flt[f] = $3 + $4; cs[f] = $5 + $6 }
			END {
				if (m == "cpu") d = cpu[1] - cpu[2]; else if (m == "faults") d = flt[1] - flt[2]; else d = cs[1] - cs[2]
				printf "%.3f", d / n
			}' "$work/ru.all" "$work/ru0.all")"
	done
	[[ -n $prefix ]] && return
	/usr/bin/time -f %M -o "$work/rss" $(run_cmd "$rt") >/dev/null
	sample "$round" "$rt" rss "$(awk '{ printf "%.2f", $1 / 1024 }' "$work/rss")"
}

# parallel ROUND RUNTIME P: containers per second, 40 runs, P at a time.
parallel() {
	local round=$1 rt=$2 p=$3 n=40 t0 t1
	t0=$(date +%s%N)
	seq "$n" | xargs -P "$p" -I{} sh -c "$rt --root $(root_of "$rt") run -b $work/bundle par-$(name_of "$rt")-{} >/dev/null"
	t1=$(date +%s%N)
	sample "$round" "$rt" "par$p" "$(awk -v n="$n" -v t="$((t1 - t0))" 'BEGIN { printf "%.1f", n / (t / 1e9) }')"
}

for ((round = 1; round <= rounds; round++)); do
	# Rotate the order so no runtime always goes first.
	order=("${runtimes[@]:round % ${#runtimes[@]}}" "${runtimes[@]:0:round % ${#runtimes[@]}}")
	echo "bench: round $round/$rounds (${order[*]##*/})" >&2
	time_cmds "$round" run "" run_cmd
	time_cmds "$round" run-idle "sleep 0.2" run_cmd
	time_cmds "$round" exec "" exec_cmd
	time_cmds "$round" cycle "" cycle_cmd
	if [[ -n $userns_ok ]]; then
		time_cmds "$round" userns "" userns_cmd
		time_cmds "$round" exec-userns "" exec_userns_cmd
	fi
	for rt in "${order[@]}"; do counters "$round" "$rt"; done
	if [[ -n $userns_ok ]]; then
		for rt in "${order[@]}"; do counters "$round" "$rt" userns_cmd -userns; done
	fi
	for p in 4 8; do
		for rt in "${order[@]}"; do parallel "$round" "$rt" "$p"; done
	done
done

# Once: syscalls (deterministic enough) and sizes.
for rt in "${runtimes[@]}"; do
	strace -f -c -o "$work/strace" $(run_cmd "$rt") >/dev/null 2>&1 || true
	# strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall.
	sample 0 "$rt" syscalls "$(awk -v noise="$NOISE" '
		$1 ~ /^[0-9.]+$/ && $NF != "total" && $NF !~ noise { sum += $4 }
		END { print sum + 0 }' "$work/strace")"
	cp "$work/strace" "$out/strace-$(name_of "$rt").txt"
	size=$(stat -Lc %s "$rt")
	if [[ $(name_of "$rt") == crun ]]; then
		for lib in $(ldd "$rt" | awk '$3 ~ /^\// { print $3 }'); do size=$((size + $(stat -Lc %s "$lib"))); done
	fi
	sample 0 "$rt" binary "$(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }')"
done

# The table: the median over rounds of each metric, and berth's ratio to each other runtime.
b=$(name_of "$berth")
{
	printf '%-19s' metric
	for rt in "${runtimes[@]}"; do printf '%12s' "$(name_of "$rt")"; done
	for rt in "${runtimes[@]:1}"; do printf '%14s' "berth/$(name_of "$rt")"; done
	echo
	awk -v b="$b" -v names="$(for rt in "${runtimes[@]}"; do name_of "$rt"; done | tr '\n' ' ')" '
		{ v[$3, $2] = v[$3, $2] " " $4; if (!seen[$3]++) metrics[++m] = $3 }
		function median(s,   a, n, i, j, t) {
			n = split(s, a, " ")
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		END {
			k = split(names, rt, " ")
			unit["run"] = "ms"; unit["run-min"] = "ms"; unit["run-idle"] = "ms"; unit["run-idle-min"] = "ms"
			unit["exec"] = "ms"; unit["exec-min"] = "ms"; unit["cpu"] = "ms"; unit["rss"] = "MiB"
			unit["userns"] = "ms"; unit["userns-min"] = "ms"; unit["cpu-userns"] = "ms"
			unit["exec-userns"] = "ms"; unit["exec-userns-min"] = "ms"
			unit["cycle"] = "ms"; unit["cycle-min"] = "ms"
			unit["binary"] = "MiB"; unit["par4"] = "/s"; unit["par8"] = "/s"
			for (i = 1; i <= m; i++) {
				x = metrics[i]; label = x (x in unit ? " " unit[x] : "")
				printf "%-19s", label
				for (j = 1; j <= k; j++) printf "%12s", ((x, rt[j]) in v) ? sprintf("%.2f", median(v[x, rt[j]])) : "-"
				for (j = 2; j <= k; j++) {
					if ((x, rt[j]) in v && (x, b) in v && median(v[x, rt[j]]) > 0)
						printf "%14.2f", median(v[x, b]) / median(v[x, rt[j]])
					else printf "%14s", "-"
				}
				printf "\n"
			}
		}' "$samples"
} | tee "$out/table.txt"
echo "bench: raw samples and strace summaries in $out" >&2
