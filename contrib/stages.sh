#!/usr/bin/env bash
# Prints the per-stage budget of `berth run` from its --debug stage log: the median, min
# and max of each stage's duration over RUNS runs, in the order the stages first appear.
# Stages nest ("spawn init" holds the nsenter steps, "command run" everything), so the
# column does not add up; "command run" is the whole command as berth sees it.
# The state root is a private directory under /run, the file system the default root
# (/run/berth) lives on, so state writes cost what they cost for engines.
#
# Usage: contrib/stages.sh BERTH BUNDLE   (RUNS=n, default 15)
set -euo pipefail

berth=${1:?usage: stages.sh BERTH BUNDLE}
bundle=${2:?usage: stages.sh BERTH BUNDLE}
runs=${RUNS:-15}
root=$(mktemp -d /run/berth-stages.XXXXXX)
log=$(mktemp)
trap 'rm -rf --one-file-system "$root" "$log"' EXIT

for ((i = 0; i < runs; i++)); do
	"$berth" --root "$root" --debug run -b "$bundle" "stages-$$-$i" >/dev/null 2>>"$log" </dev/null
done

# One line per sample: "stage (proc)<TAB>microseconds", then the order of first appearance.
awk -v root="$root" -v bundle="$bundle" '
	/ took=[0-9]+/ {
		proc = $0; sub(/.* proc=/, "", proc); sub(/ .*/, "", proc)
		stage = $0; sub(/.* stage="/, "", stage); sub(/".*/, "", stage)
		detail = $0; sub(/.* detail="/, "", detail); sub(/".*/, "", detail)
		# Per-container details (ids, paths) would split one stage into many.
		if (index(detail, root) || index(detail, bundle) || index(detail, "stages-")) detail = ""
		took = $0; sub(/.* took=/, "", took); sub(/[^0-9].*/, "", took)
		key = stage (detail != "" ? " " detail : "") " (" proc ")"
		if (!(key in seen)) { seen[key] = ++n; order[n] = key }
		print seen[key] "\t" key "\t" took / 1000
	}' "$log" | sort -t$'\t' -k1,1n -k3,3g | awk -F'\t' -v runs="$runs" '
	function flush() {
		if (cnt == 0) return
		printf "%-48s %9.2f %9.2f %9.2f %4d\n", key, v[int((cnt + 1) / 2)] / 1000, v[1] / 1000, v[cnt] / 1000, cnt
	}
	BEGIN { printf "%-48s %9s %9s %9s %4s\n", "stage (process)", "median ms", "min ms", "max ms", "n" }
	$1 != id { flush(); id = $1; key = $2; cnt = 0 }
	{ v[++cnt] = $3 }
	END { flush() }'
