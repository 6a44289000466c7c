#!/usr/bin/env bats
# The systemd cgroup driver on a cgroup v1 (hybrid) host, as runc and crun have it: the VM
# lane's systemd-v1 boot (systemd.unified_cgroup_hierarchy=0). systemd makes the scope in
# the hierarchies it manages, berth in the others; limits are v1 unit properties and files.

# bats file_tags=vm

load helpers
load cgroups_helpers

# use_systemd_v1_path [ID]: system.slice:berth:ID, whose directory in each hierarchy is
# system.slice/berth-ID.scope. The driver is chosen by --systemd-cgroup alone (runc's rule):
# create and run below pass it; later commands find the scope in the container's state.
use_systemd_v1_path() {
	[[ -d /run/systemd/system ]] && ! is_cgroup2 || skip "needs systemd as init on a cgroup v1 host"
	update_config --arg p "system.slice:berth:${1:-$ID}" '.linux.cgroupsPath = $p'
	SCOPE=berth-${1:-$ID}.scope
	REL=system.slice/$SCOPE
}

unit_prop() { systemctl show -P "$1" "$SCOPE"; }

# scope_dirs: the scope's directory in every hierarchy that has one.
scope_dirs() { find /sys/fs/cgroup/ -maxdepth 4 -type d -path "*/$REL" 2>/dev/null; }

scope_gone() {
	! systemctl is-active -q "$SCOPE" || fail "$SCOPE still active"
	[[ -z $(scope_dirs) ]] || fail "directories left: $(scope_dirs)"
}

@test "systemd v1: the container runs in a scope, in every hierarchy, with its limits as v1 properties and files" {
	use_systemd_v1_path
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 40} |
		.linux.resources.cpu = {shares: 512}'
	set_args sleep 1000
	run_detached --systemd-cgroup run -d --bundle "$BUNDLE" "$ID"
	assert_success
	pid=$(container_pid "$ID")
	assert_equal "$(unit_prop Delegate)" yes Delegate
	assert_equal "$(unit_prop MemoryLimit)" 67108864 MemoryLimit
	assert_equal "$(unit_prop TasksMax)" 40 TasksMax
	assert_equal "$(unit_prop CPUShares)" 512 CPUShares
	assert_equal "$(cat "/sys/fs/cgroup/memory/$REL/memory.limit_in_bytes")" 67108864 memory.limit_in_bytes
	assert_equal "$(cat "/sys/fs/cgroup/pids/$REL/pids.max")" 40 pids.max
	assert_equal "$(cat "/sys/fs/cgroup/cpu/$REL/cpu.shares")" 512 cpu.shares
	# Hierarchies systemd leaves alone (cpuset, freezer) get the same path from berth.
	for h in systemd memory pids cpuset freezer; do
		grep -qx "$pid" "/sys/fs/cgroup/$h/$REL/cgroup.procs" || fail "init not in $h/$REL: $(cat /proc/$pid/cgroup)"
	done
	run berth update --memory 48m --pids-limit 21 "$ID"
	assert_success
	assert_equal "$(unit_prop MemoryLimit)" 50331648 "MemoryLimit after update"
	assert_equal "$(cat "/sys/fs/cgroup/pids/$REL/pids.max")" 21 "pids.max after update"
	run berth pause "$ID"
	assert_success
	assert_equal "$(cat "/sys/fs/cgroup/freezer/$REL/freezer.state")" FROZEN freezer.state
	run berth resume "$ID"
	assert_success
	run berth delete --force "$ID"
	assert_success
	scope_gone
}

@test "systemd v1: device rules hold across a daemon-reload, and a failed create leaves nothing" {
	use_systemd_v1_path
	with_kmsg_denied
	set_args sleep 1000
	run_detached --systemd-cgroup run -d --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(unit_prop DevicePolicy)" strict DevicePolicy
	# systemd rewrites a unit's device files on a reload: from the scope's properties.
	systemctl daemon-reload
	run berth exec "$ID" sh -c 'echo x >/dev/kmsg && echo kmsg-written; echo y >/dev/null && echo null-ok'
	assert_output_not_contains kmsg-written
	assert_output_contains null-ok
	! grep -qx 'c 1:11 .*' "/sys/fs/cgroup/devices/$REL/devices.list" || fail "1:11 allowed: $(cat "/sys/fs/cgroup/devices/$REL/devices.list")"
	berth delete --force "$ID"
	scope_gone

	ID2=$(new_id)
	use_systemd_v1_path "$ID2"
	update_config '.linux.resources.cpu = {cpus: "4095"}'
	run_detached --systemd-cgroup create --bundle "$BUNDLE" "$ID2"
	assert_failure
	scope_gone
}
