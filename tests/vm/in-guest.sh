#!/usr/bin/env bash
# in-guest.sh MODE RESULTS: what the VM lane runs inside the guest (MODE plain, criu, systemd or
# systemd-v1).
#   plain    the bats tests tagged "vm" (cgroups_v2.bats and the v2 side of pause, update, events)
#   criu     the bats tests tagged "criu" (checkpoint_vm.bats: checkpoint/restore with CRIU and
#            through podman and containerd), in a boot of their own, plain like the first
#   systemd  cgroups_systemd.bats (the systemd driver, system and user instance); the v2 files are
#            covered by plain already
#   systemd-v1  cgroups_systemd_v1.bats (the systemd driver on a hybrid host), nothing else: the
#            v1 files are the development host's own lane
# plain and systemd then run the cgroups package's root-only Go tests (compiled on the host by
# test.sh).
# Writes RESULTS/vm-MODE-go.log and RESULTS/vm-MODE.tap; exits non-zero if anything failed.
set -uo pipefail
mode=$1 results=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
rc=0
tag=vm
if [[ $mode == systemd ]]; then
	files=(tests/integration/cgroups_systemd.bats)
elif [[ $mode == systemd-v1 ]]; then
	files=(tests/integration/cgroups_systemd_v1.bats)
else
	[[ $mode == criu ]] && tag=criu
	# Only files with tests of the tag: bats parses every file it is given, which is slow here.
	mapfile -t files < <(grep -lE "^# bats (file|test)_tags=.*\b$tag\b" tests/integration/*.bats | grep -v cgroups_systemd)
fi
# berth runs from the guest's disk: executed from the 9p share, every page it faults in
# would cross to the host, which made each container start about a second slower.
install -m 0755 "$repo/berth" /usr/local/sbin/berth
BERTH=/usr/local/sbin/berth RECVTTY=$results/recvtty BUSYBOX_OCI=$results/images/busybox.tar bats --tap --filter-tags "$tag" "${files[@]}" | tee "$results/vm-$mode.tap"
[[ ${PIPESTATUS[0]} == 0 ]] || rc=1
# The Go tests last: their cgroupfs cases enable controllers in the parents they use.
if [[ -x $results/cgroups.test && $mode != systemd-v1 && $mode != criu ]]; then
	"$results/cgroups.test" -test.v -test.count=1 >"$results/vm-$mode-go.log" 2>&1 || rc=1
	grep -E '^(--- |ok|FAIL|PASS)' "$results/vm-$mode-go.log"
fi
exit $rc
