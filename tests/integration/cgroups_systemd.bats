#!/usr/bin/env bats
# The systemd cgroup driver: a transient scope per container through D-Bus, on pure cgroup v2 with
# systemd as init (the VM lane's systemd boot). The cgroupsPath slice:prefix:name selects it.

# bats file_tags=vm

load helpers
load cgroups_helpers

# use_systemd_path [ID]: system.slice:berth:ID, whose cgroup is system.slice/berth-ID.scope.
use_systemd_path() {
	[[ -d /run/systemd/system ]] && is_cgroup2 || skip "needs systemd as init on pure cgroup v2"
	update_config --arg p "system.slice:berth:${1:-$ID}" '.linux.cgroupsPath = $p'
	SCOPE=berth-${1:-$ID}.scope
	SCOPE_DIR=/sys/fs/cgroup/system.slice/$SCOPE
}

# unit_prop NAME: the scope's property as systemctl shows it.
unit_prop() { systemctl show -P "$1" "$SCOPE"; }

# scope_gone: no unit and no cgroup left.
scope_gone() {
	! systemctl is-active -q "$SCOPE" || fail "$SCOPE still active"
	[[ ! -d $SCOPE_DIR ]] || fail "$SCOPE_DIR still there"
}

@test "systemd: the container runs in a delegated transient scope with its limits as properties and files" {
	use_systemd_path
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 40} |
		.linux.resources.cpu = {shares: 1024, quota: 50000, period: 100000}'
	run_sleeper sh -c 'cat /proc/self/cgroup >/probe.out; exec sleep 1000'
	assert_equal "$(unit_prop Delegate)" yes Delegate
	assert_equal "$(unit_prop MemoryMax)" 67108864 MemoryMax
	assert_equal "$(unit_prop TasksMax)" 40 TasksMax
	assert_equal "$(unit_prop CPUWeight)" 100 CPUWeight
	assert_equal "$(cat "$SCOPE_DIR/memory.max")" 67108864 memory.max
	assert_equal "$(cat "$SCOPE_DIR/pids.max")" 40 pids.max
	assert_equal "$(cat "$SCOPE_DIR/cpu.max")" "50000 100000" cpu.max
	grep -qx "$(container_pid "$ID")" "$SCOPE_DIR/cgroup.procs" || fail "init not in $SCOPE_DIR"
	assert_equal "$(cat "$BUNDLE/rootfs/probe.out")" "0::/" "cgroup namespace root"
	berth delete --force "$ID"
	scope_gone
}

@test "systemd: pause/resume, update and events --stats work through the scope" {
	use_systemd_path
	update_config '.linux.resources.memory = {limit: 67108864}'
	run_sleeper
	berth pause "$ID"
	assert_equal "$(container_status "$ID")" paused status
	assert_equal "$(cat "$SCOPE_DIR/cgroup.freeze")" 1 cgroup.freeze
	berth resume "$ID"
	assert_equal "$(container_status "$ID")" running status
	run berth update --memory 48m --pids-limit 21 "$ID"
	assert_success
	assert_equal "$(cat "$SCOPE_DIR/memory.max")" 50331648 memory.max
	assert_equal "$(unit_prop MemoryMax)" 50331648 "MemoryMax after update"
	assert_equal "$(cat "$SCOPE_DIR/pids.max")" 21 pids.max
	run berth events --stats "$ID"
	assert_success
	assert_equal "$(jq -r .data.memory.usage.limit <<<"$output")" 50331648 "stats limit"
}

@test "systemd: hugetlb, which systemd does not delegate, is a clear error and leaves nothing" {
	use_systemd_path
	# systemd never enables hugetlb below the root itself; something else may have done it.
	if grep -qw hugetlb /sys/fs/cgroup/system.slice/cgroup.subtree_control; then
		skip "hugetlb was enabled in system.slice by someone else"
	fi
	update_config '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "linux.resources.hugepageLimits[0]"
	scope_gone
}

@test "systemd: a failed create and a normal delete leave no unit and no cgroup" {
	use_systemd_path
	update_config '.linux.resources.cpu = {cpus: "4095"}'
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	scope_gone

	ID2=$(new_id)
	use_systemd_path "$ID2"
	update_config 'del(.linux.resources.cpu)'
	set_args true
	run berth run --bundle "$BUNDLE" "$ID2"
	assert_success
	scope_gone
}

@test "systemd: devices are filtered by the eBPF program inside the scope" {
	use_systemd_path
	update_config '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11}] |
		.linux.resources.devices = [{allow: false, access: "rwm"}]'
	set_args sh -c 'echo x >/dev/kmsg && echo kmsg-written; echo y >/dev/null && echo null-ok'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_output_not_contains kmsg-written
	assert_output_contains null-ok
	scope_gone
}
