#!/usr/bin/env bash
# The real-engines lane of `make test` (make test-engines): installs the engines (install.sh),
# builds the two local images (images.sh, cached), then runs podman.bats, docker.bats,
# ctr.bats and cri.bats against the runtime under test. TAP goes to stdout.
#
#   BERTH=/path/to/runtime   the runtime under test (default: berth at the repo root);
#                            BERTH=/usr/sbin/runc runs the same lane with runc
#   ENGINES_DIR=dir          the engines' private state, images and logs (_build/engines)
#   tests/engines/run.sh [FILE.bats...]   only these files
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

BERTH=$(realpath "${BERTH:-$repo/berth}")
[[ -x $BERTH ]] || { echo "engines: runtime under test '$BERTH' is not executable (make berth)" >&2; exit 1; }
ENGINES_DIR=${ENGINES_DIR:-$repo/_build/engines}
export BERTH ENGINES_DIR

start=$SECONDS
"$repo/contrib/install-deps.sh" >&2
"$here/install.sh" "$repo/_build/bin" >&2
"$here/images.sh" "$ENGINES_DIR/images" >&2
echo "engines: install and images took $((SECONDS - start)) s; runtime under test: $BERTH" >&2

if (($# == 0)); then
	set -- "$here"/podman.bats "$here"/docker.bats "$here"/ctr.bats "$here"/cri.bats
fi
# Each file's teardown_file stops its daemon and removes what it left. When the lane itself
# is interrupted (a CI timeout, ^C), that does not run: stop bats, then do it here.
. "$here/reap.bash"
interrupted() {
	trap - TERM INT HUP
	echo "engines: interrupted; stopping the engines and removing what they left" >&2
	kill -TERM "$lane_pid" 2>/dev/null || true
	sleep 2
	kill -KILL "$lane_pid" 2>/dev/null || true
	local dir
	for dir in "$ENGINES_DIR"/{podman,docker,ctr,cri}; do
		[[ -d $dir ]] || continue
		lane_reap "$dir" "berth-lane-$(basename "$dir")-"
		rm -rf --one-file-system "$dir"
	done
	ip link delete berthlane0 2>/dev/null || true
	remove_cgroup_tree berth-lane || true
	remove_cgroup_tree berth-lane-cri || true
	exit 130
}
trap interrupted TERM INT HUP

# The engines' monitors (conmon, containerd shims) daemonize, and this machine's pid 1 may
# not reap what is orphaned: tini -s makes the lane their subreaper, which reaps them.
status=0
tini -s -- bats --tap --timing --print-output-on-failure "$@" &
lane_pid=$!
wait "$lane_pid" || status=$?
echo "engines: the lane took $((SECONDS - start)) s" >&2
exit $status
