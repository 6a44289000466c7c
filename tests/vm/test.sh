#!/usr/bin/env bash
# test.sh [RESULTS]: the VM lane of `make test`. Boots the throwaway VM four times: pure cgroup v2
# with a plain init (the cgroup bats suites, then the checkpoint/restore ones in a boot of their
# own), then with systemd as PID 1, then systemd on cgroup v1 (hybrid); runs in the plain and
# systemd boots the cgroups package's root-only Go tests too, all compiled on the host (code in a
# TCG guest is 10-100x slower).
# Needs ./berth built. Results: RESULTS/vm-*.tap, vm-*-go.log and vm.counts (default _build/results).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
results=$(realpath -m "${1:-$repo/_build/results}")
mkdir -p "$results"
cd "$repo"
[[ -x berth ]] || { echo "test-vm: build berth first (make berth)" >&2; exit 1; }
case $results/ in "$repo"/*) ;; *) echo "test-vm: RESULTS must be inside the repository (shared with the VM)" >&2; exit 1 ;; esac
CGO_ENABLED=0 go test -c -o "$results/cgroups.test" ./cgroups
# What the checkpoint tests need: a console-socket receiver, and the engines lane's busybox
# image (localhost/busybox:berth) for podman and containerd.
CGO_ENABLED=0 go build -o "$results/recvtty" ./contrib/cmd/recvtty
"$repo/tests/engines/images.sh" "$results/images" >&2
"$here/build-image.sh"
rc=0
for mode in plain criu systemd systemd-v1; do
	flag=()
	[[ $mode == systemd* ]] && flag=(--"$mode")
	# Checkpoints are slow under TCG (a few seconds each): more time than the default 900 s.
	[[ $mode == criu ]] && flag=(--timeout "${BERTH_VM_CRIU_TIMEOUT:-1500}")
	start=$SECONDS
	echo "test-vm: $mode"
	"$here/run.sh" "${flag[@]}" -- "$here/in-guest.sh" "$mode" "$results" || rc=1
	echo "test-vm: $mode took $((SECONDS - start)) s"
done
# One counts line for `make test`'s total, as contrib/count-results.sh writes them.
{
	for f in "$results"/vm-*.tap; do "$repo/contrib/count-results.sh" tap "$f"; done
	for f in "$results"/vm-*-go.log; do "$repo/contrib/count-results.sh" go "$f"; done
} | awk '{ p += $1; f += $2; s += $3 } END { print p + 0, f + 0, s + 0 }' >"$results/vm.counts"
exit $rc
