#!/usr/bin/env bash
# Compares berth, runc and crun on the same bundle, side by side in one run, and prints
# berth's ratio to each (below 1: berth is faster). Three measurements:
#   run        create + start + wait + delete of a container running /bin/true, back to back
#   run-idle   the same after 200 ms of quiet, as when an engine starts one container: the
#              first cgroup migration after a quiet spell waits for an RCU grace period
#   exec       `exec true` in a running container, back to back
# Usage: contrib/bench.sh BERTH BUNDLE_TEMPLATE   (RUNS=n to change the sample size)
set -euo pipefail

berth=${1:?usage: bench.sh BERTH BUNDLE}
template=${2:?usage: bench.sh BERTH BUNDLE}
runs=${RUNS:-50}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (make bench-deps)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
	for rt in "${runtimes[@]:-}"; do
		[[ -n $rt ]] && "$rt" --root "$work/root-$(basename "$rt")" delete --force "sleeper-$(basename "$rt")" >/dev/null 2>&1
	done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
ROOTFS_FROM=$template/rootfs RUNTIME=$berth "$here/mkbundle.sh" "$work/bundle" true
# crun 1.8 refuses newer ociVersion strings; the config uses nothing newer than 1.0.2.
jq '.ociVersion = "1.0.2"' "$work/bundle/config.json" >"$work/config.json" && mv "$work/config.json" "$work/bundle/config.json"
# A second bundle on the same rootfs for the exec target (runc wants a real rootfs path).
mkdir -p "$work/sleeper"
jq --arg r "$work/bundle/rootfs" '.root.path = $r | .process.args = ["sleep", "100000"]' \
	"$work/bundle/config.json" >"$work/sleeper/config.json"

# Each runtime keeps its state in its own root so a leftover never collides with another.
root_of() { echo "$work/root-$(basename "$1")"; }
run_cmd() { echo "$1 --root $(root_of "$1") run -b $work/bundle bench-$(basename "$1")"; }
exec_cmd() { echo "$1 --root $(root_of "$1") exec sleeper-$(basename "$1") true"; }

# A runtime that cannot run the bundle once is left out rather than timed.
runtimes=()
for rt in "$berth" $(command -v runc crun || true); do
	read -r -a cmd <<<"$(run_cmd "$rt")"
	if "${cmd[@]}" >/dev/null 2>"$work/err" &&
		"$rt" --root "$(root_of "$rt")" run -d -b "$work/sleeper" "sleeper-$(basename "$rt")" </dev/null >/dev/null 2>"$work/err"; then
		runtimes+=("$rt")
	else
		echo "bench: leaving out $rt: $(head -n1 "$work/err")" >&2
	fi
done
[[ ${runtimes[0]:-} == "$berth" ]] || { echo "bench: $berth cannot run the bundle" >&2; exit 1; }

# measure NAME HYPERFINE_ARGS... -- CMD_FN: one hyperfine session over every runtime,
# so the runtimes share the machine's state; prints "NAME RUNTIME MEAN_MS" lines.
measure() {
	local name=$1 fn
	shift
	local opts=()
	while [[ $1 != -- ]]; do opts+=("$1"); shift; done
	fn=$2
	local cmds=()
	for rt in "${runtimes[@]}"; do cmds+=("$("$fn" "$rt")"); done
	hyperfine -N --warmup 5 --runs "$runs" "${opts[@]}" --export-json "$work/$name.json" "${cmds[@]}" >&2
	jq -r --arg n "$name" '.results[] | "\($n) \(.command | split(" ")[0] | split("/")[-1]) \(.mean * 1000) \(.median * 1000)"' "$work/$name.json"
}

{
	measure run -- run_cmd
	measure run-idle --prepare "sleep 0.2" -- run_cmd
	measure exec -- exec_cmd
} >"$work/results"

echo
printf '%-9s %-8s %9s %9s %12s\n' what runtime "mean ms" "median ms" "berth/this"
b=$(basename "$berth")
awk -v b="$b" '
	{ mean[$1, $2] = $3; med[$1, $2] = $4; if (!seen[$1]++) order[++n] = $1; if (!rs[$2]++) rts[++m] = $2 }
	END {
		for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) {
			w = order[i]; r = rts[j]
			if ((w, r) in mean) printf "%-9s %-8s %9.2f %9.2f %12.2f\n", w, r, mean[w, r], med[w, r], mean[w, b] / mean[w, r]
		}
	}' "$work/results"
