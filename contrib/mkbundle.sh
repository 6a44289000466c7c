#!/usr/bin/env bash
# Builds an OCI bundle at DIR: DIR/rootfs from mkrootfs.sh (or a copy of ROOTFS_FROM) and
# DIR/config.json from `RUNTIME spec`, made non-interactive and set to run ARGS.
# Usage: contrib/mkbundle.sh DIR [ARGS...]
#   RUNTIME=path      runtime whose `spec` writes the default config (default: ./berth)
#   ROOTFS_FROM=dir   copy this prepared rootfs instead of building a new one
set -euo pipefail

dir=${1:?usage: mkbundle.sh DIR [ARGS...]}
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runtime=${RUNTIME:-$here/../berth}

rm -rf "$dir"
mkdir -p "$dir"
if [[ -n ${ROOTFS_FROM:-} ]]; then
	# A real copy (about 2 MB), not hard links: a container writing a file in place
	# must not change the template other bundles are made from.
	cp -a "$ROOTFS_FROM" "$dir/rootfs"
else
	"$here/mkrootfs.sh" "$dir/rootfs"
fi

(cd "$dir" && "$runtime" spec)
if [[ $# -eq 0 ]]; then
	set -- sh
fi
# Each argument goes in as its own --arg: jq 1.6 would take a "-c" among --args as its own
# option, and its raw input stops at a NUL.
jq_args=()
for ((i = 1; i <= $#; i++)); do
	jq_args+=(--arg "a$i" "${!i}")
done
jq "${jq_args[@]}" --argjson n $# \
	'.process.terminal = false | .process.args = [range(1; $n + 1) as $i | $ARGS.named["a\($i)"]]' \
	<"$dir/config.json" >"$dir/config.json.new"
mv "$dir/config.json.new" "$dir/config.json"
