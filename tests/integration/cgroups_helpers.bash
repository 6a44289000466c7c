# Helpers for the cgroup tests (cgroups_*.bats, pause.bats, update.bats, events.bats). They work on
# cgroup v1 / hybrid hosts and on pure cgroup v2, so the same files run in the VM lane (tests/vm).

# is_cgroup2: /sys/fs/cgroup is a pure cgroup v2 hierarchy.
is_cgroup2() { [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; }

# v1_mounted CTRL: the cgroup v1 controller CTRL has a hierarchy of its own mounted.
v1_mounted() {
	awk -v c="$1" '$9 == "cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) f = 1 } END { exit !f }' \
		/proc/self/mountinfo
}

# v2_available CTRL: on pure v2, the root offers CTRL.
v2_available() { grep -qw "$1" /sys/fs/cgroup/cgroup.controllers; }

# use_cgroup_path [ID]: pin linux.cgroupsPath to /berth/ID, so every runtime (berth, runc)
# puts the container at a path the tests can compute.
use_cgroup_path() {
	update_config --arg p "/berth/${1:-$ID}" '.linux.cgroupsPath = $p'
}

# cg_dir CTRL [ID]: the container's cgroup directory for controller CTRL on the host.
cg_dir() {
	if is_cgroup2; then
		echo "/sys/fs/cgroup/berth/${2:-$ID}"
	else
		echo "/sys/fs/cgroup/$1/berth/${2:-$ID}"
	fi
}

# cg_read CTRL FILE [ID]: one control file of the container's cgroup.
cg_read() { cat "$(cg_dir "$1" "${3:-$ID}")/$2"; }

# assert_cg CTRL FILE WANT: the host's control file holds WANT.
assert_cg() {
	local got
	got=$(cg_read "$1" "$2") || fail "cannot read $2 of $ID"
	assert_equal "$got" "$3" "$2"
}

# run_sleeper [ARGS...]: run -d the bundle with `sleep 1000` (or ARGS) and wait until it runs.
run_sleeper() {
	if (($# == 0)); then set -- sleep 1000; fi
	set_args "$@"
	run_detached run -d --bundle "$BUNDLE" "$ID"
	[[ $status -eq 0 ]] || fail "run -d failed ($status): $output"
	wait_for_status "$ID" running
}

# cg_gone [ID]: no cgroup directory of the container is left in any hierarchy.
cg_gone() {
	local left
	left=$(find /sys/fs/cgroup/ -maxdepth 4 -type d -name "${1:-$ID}" 2>/dev/null)
	[[ -z $left ]] || fail "cgroup directories left: $left"
}

# skip_unless_v1 CTRL...: skip on pure v2 or when a v1 controller is missing.
skip_unless_v1() {
	is_cgroup2 && skip "needs cgroup v1"
	local c
	for c in "$@"; do
		v1_mounted "$c" || skip "no cgroup v1 $c hierarchy on this host"
	done
	return 0
}

# skip_unless_v2 [CTRL...]: skip unless pure v2 with those controllers.
skip_unless_v2() {
	is_cgroup2 || skip "needs pure cgroup v2"
	local c
	for c in "$@"; do
		v2_available "$c" || skip "cgroup v2 has no $c controller here"
	done
	return 0
}

# run_probe SCRIPT: run -d a container that runs SCRIPT (sh), writes its output to /probe.out in
# the rootfs, then sleeps, so the test can compare the container's view with the host's files.
# The container's view ends up in $probe.
run_probe() {
	use_cgroup_path
	run_sleeper sh -c "{ $1 ; } >/probe.out 2>&1; touch /probe.done; exec sleep 1000"
	wait_for_file "$BUNDLE/rootfs/probe.done"
	probe=$(cat "$BUNDLE/rootfs/probe.out")
}

# Version-independent readers: the value as v1 spells it.
# mem_limit: memory.limit_in_bytes (v1) or memory.max (v2).
mem_limit() {
	if is_cgroup2; then cg_read "" memory.max; else cg_read memory memory.limit_in_bytes; fi
}
# pids_max: pids.max in the pids hierarchy (v1) or the unified one.
pids_max() { cg_read pids pids.max; }
# cpu_quota_period: "QUOTA PERIOD" from cpu.cfs_*_us (v1) or cpu.max (v2).
cpu_quota_period() {
	if is_cgroup2; then cg_read "" cpu.max; else echo "$(cg_read cpu cpu.cfs_quota_us) $(cg_read cpu cpu.cfs_period_us)"; fi
}

# with_kmsg_denied: the container has a /dev/kmsg node, and device rules that deny all
# but the default devices (so writing to it is refused).
with_kmsg_denied() {
	update_config '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11}] |
		.linux.resources.devices = [{allow: false, access: "rwm"}]'
}
