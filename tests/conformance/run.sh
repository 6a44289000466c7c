#!/usr/bin/env bash
# Runs the OCI runtime-tools validation suite against a runtime and compares the result
# with known-failures.txt: any other failure fails the run, and a listed program that now
# passes is reported so the list can shrink.
#
# Usage: tests/conformance/run.sh [PROGRAM...]
#   RUNTIME=/abs/path/runtime   runtime under test (default: <repo>/berth)
#   CONFORMANCE_OUT=dir         where binaries and TAP logs go (default: <repo>/_build/conformance)
#   CONFORMANCE_TIMEOUT=secs    per-program time limit (default: 120)
#   KNOWN_FAILURES=file         expected failures (default: known-failures.txt beside this script)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
runtime=${RUNTIME:-$repo/berth}
out=${CONFORMANCE_OUT:-$repo/_build/conformance}
per_program_timeout=${CONFORMANCE_TIMEOUT:-120}
known_file=${KNOWN_FAILURES:-$here/known-failures.txt}

# The suite execs $RUNTIME from inside temporary directories, so it must be absolute.
case $runtime in
/*) ;;
*) runtime=$(command -v "$runtime" || true) ;;
esac
if [[ ! -x $runtime ]]; then
	echo "conformance: runtime '$runtime' is not an executable (build it with 'make')" >&2
	exit 1
fi

suite=github.com/opencontainers/runtime-tools
bin=$out/bin
logs=$out/logs
work=$out/work
rm -rf "$logs" && mkdir -p "$bin" "$logs" "$work"

echo "conformance: building the runtime-tools validation programs into $bin"
(
	cd "$here"
	mapfile -t packages < <(go list "$suite/validation/..." | grep -v '/validation/util$')
	# runtimetest runs inside a busybox rootfs with no libc, so it has to be static.
	CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags "-s -w" -o "$bin/" "${packages[@]}" "$suite/cmd/runtimetest"
	# The suite untars this busybox rootfs (shipped in its module) into every bundle.
	suite_dir=$(go list -m -f '{{.Dir}}' "$suite")
	install -m 0644 "$suite_dir/rootfs-amd64.tar.gz" "$work/rootfs-amd64.tar.gz"
)
install -m 0755 "$bin/runtimetest" "$work/runtimetest"

if [[ $# -gt 0 ]]; then
	programs=("$@")
else
	mapfile -t programs < <(cd "$here" && go list "$suite/validation/..." | grep -v '/validation/util$' | xargs -n1 basename | sort)
fi

# The suite's bundles go to their own TMPDIR. It must be traversable by every uid: with a
# user namespace, the container's root is an unprivileged host uid that has to reach them.
tmp_root=$(mktemp -d /tmp/berth-conformance.XXXXXX)
chmod 0755 "$tmp_root"
# The suite's cgroup programs use fixed paths: /cgrouptest, and testdir/cgrouptest/container
# below the runtime's own cgroup, whose parents the runtime rightly leaves behind. Remove
# them afterwards unless they were there before; a leftover /cgrouptest means the runtime
# did not delete its cgroup, so say so.
cgroup_leftovers() {
	find /sys/fs/cgroup -depth -type d \( -path '*/testdir/cgrouptest' -o -path '*/testdir' \
		-o -path '/sys/fs/cgroup/*/cgrouptest' \) 2>/dev/null
}
had_cgroup_leftovers=$(cgroup_leftovers)
# The runtime's default parent (/berth for berth) for the programs' containers, which name
# no cgroupsPath: removed afterwards when this run made it (and nothing is left in it).
default_parents() { ls -d /sys/fs/cgroup/berth /sys/fs/cgroup/*/berth 2>/dev/null || true; }
had_default_parents=" $(default_parents | tr '\n' ' ') "
cleanup() {
	local parent
	for parent in $(default_parents); do
		[[ $had_default_parents == *" $parent "* ]] && continue
		rmdir "$parent" 2>/dev/null || echo "conformance: warning: $parent is not empty: $(ls "$parent" | grep -v '\.' | head -3 | tr '\n' ' ')"
	done
	if [[ -z $had_cgroup_leftovers ]]; then
		if cgroup_leftovers | grep -q '^/sys/fs/cgroup/[^/]*/cgrouptest$'; then
			echo "conformance: warning: the runtime left cgroups behind:" \
				"$(cgroup_leftovers | grep '^/sys/fs/cgroup/[^/]*/cgrouptest$' | tr '\n' ' ')"
		fi
		cgroup_leftovers | xargs -r rmdir 2>/dev/null || true
	fi
	# Mounts made by the suite lived in the private mount namespace below and died with it.
	if ! grep -qF " $tmp_root/" /proc/self/mountinfo; then
		rm -rf --one-file-system "$tmp_root"
	fi
}
trap cleanup EXIT

# A state root of the suite's own: run-programs.sh lists and force-deletes the containers a
# program leaves behind, and must never see anyone else's (podman's, a user's) in the
# runtime's default root. The validation programs run $RUNTIME with no global options, so a
# wrapper adds --root.
state_root=$tmp_root/state
mkdir -p "$state_root"
wrapper=$tmp_root/runtime
printf '#!/bin/bash\nexec %q --root %q "$@"\n' "$runtime" "$state_root" >"$wrapper"
chmod 0755 "$wrapper"

# A program whose config has no mount namespace makes the runtime mount /proc and /dev on
# the host side of its bundle: run the suite in a throwaway mount namespace so such mounts
# never reach the host's mount table.
unshare --mount --propagation private -- env TMPDIR="$tmp_root" RUNTIME="$wrapper" RUNTIME_LABEL="$runtime" \
	"$here/run-programs.sh" "$bin" "$work" "$logs" "$known_file" "$per_program_timeout" "${programs[@]}"
