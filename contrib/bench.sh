#!/usr/bin/env bash
# Compares `run` latency (create + start + wait + delete of a container running /bin/true)
# of berth, runc and crun on the same bundle, and prints berth's ratio to each.
# Usage: contrib/bench.sh BERTH BUNDLE_TEMPLATE   (RUNS=n to change the sample size)
set -euo pipefail

berth=${1:?usage: bench.sh BERTH BUNDLE}
template=${2:?usage: bench.sh BERTH BUNDLE}
runs=${RUNS:-50}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

work=$(mktemp -d)
trap 'rm -rf --one-file-system "$work"' EXIT
ROOTFS_FROM=$template/rootfs RUNTIME=$berth "$here/mkbundle.sh" "$work/bundle" true
# crun 1.8 refuses newer ociVersion strings; the config uses nothing newer than 1.0.2.
jq '.ociVersion = "1.0.2"' "$work/bundle/config.json" >"$work/config.json" && mv "$work/config.json" "$work/bundle/config.json"

# Each runtime keeps its state in its own root so a leftover never collides with another.
cmd_for() { echo "$1 --root $work/root-$(basename "$1") run -b $work/bundle bench-$(basename "$1")"; }

# A runtime that cannot run the bundle once is left out rather than timed.
runtimes=()
for rt in "$berth" $(command -v runc crun || true); do
	read -r -a cmd <<<"$(cmd_for "$rt")"
	if "${cmd[@]}" >/dev/null 2>"$work/err"; then
		runtimes+=("$rt")
	else
		echo "bench: leaving out $rt: $(head -n1 "$work/err")" >&2
	fi
done
[[ ${runtimes[0]:-} == "$berth" ]] || { echo "bench: $berth cannot run the bundle" >&2; exit 1; }

declare -A mean_ms=()
if command -v hyperfine >/dev/null; then
	for rt in "${runtimes[@]}"; do
		name=$(basename "$rt")
		hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/$name.json" "$(cmd_for "$rt")" >&2
		mean_ms[$name]=$(jq '.results[0].mean * 1000' "$work/$name.json")
	done
else
	for rt in "${runtimes[@]}"; do
		name=$(basename "$rt")
		read -r -a cmd <<<"$(cmd_for "$rt")"
		start=$(date +%s%N)
		for ((i = 0; i < runs; i++)); do "${cmd[@]}"; done
		mean_ms[$name]=$(awk -v ns=$(($(date +%s%N) - start)) -v n="$runs" 'BEGIN { print ns / n / 1e6 }')
	done
fi

echo
printf '%-8s %10s %12s\n' runtime "mean ms" "berth/this"
b=${mean_ms[$(basename "$berth")]}
for rt in "${runtimes[@]}"; do
	name=$(basename "$rt")
	awk -v n="$name" -v m="${mean_ms[$name]}" -v b="$b" 'BEGIN { printf "%-8s %10.2f %12.2f\n", n, m, b / m }'
done
