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
# The engines' monitors (conmon, containerd shims) daemonize, and this machine's pid 1 may
# not reap what is orphaned: tini -s makes the lane their subreaper, which reaps them.
status=0
tini -s -- bats --tap --timing --print-output-on-failure "$@" || status=$?
echo "engines: the lane took $((SECONDS - start)) s" >&2
exit $status
