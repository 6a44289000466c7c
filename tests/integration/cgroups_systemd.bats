#!/usr/bin/env bats
# The systemd cgroup driver: a transient scope per container through D-Bus, on pure cgroup v2 with
# systemd as init (the VM lane's systemd boot), selected by --systemd-cgroup. For a
# rootless container the scope comes from the caller's own systemd user instance.

# bats file_tags=vm

load helpers
load cgroups_helpers
load rootless_helpers

# Engines configured for systemd pass --systemd-cgroup to every call; it alone selects the
# driver (a slice:prefix:name path without it is a cgroupfs path, as in runc).
berth() { timeout -k 5 "$BERTH_TIMEOUT" "$BERTH" --root "$ROOT" --systemd-cgroup "$@"; }

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
	with_kmsg_denied
	set_args sh -c 'echo x >/dev/kmsg && echo kmsg-written; echo y >/dev/null && echo null-ok'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_output_not_contains kmsg-written
	assert_output_contains null-ok
	scope_gone
}

# start_user_manager: the rootless user's systemd instance runs, as `loginctl enable-linger` makes
# it run for a user without a login session; $XDG becomes its runtime directory.
start_user_manager() {
	loginctl enable-linger "$RL_USER"
	on_teardown "loginctl disable-linger '$RL_USER'"
	local i
	for i in $(seq 150); do
		systemctl is-active -q "user@$RL_UID.service" && break
		sleep 0.2
	done
	systemctl is-active -q "user@$RL_UID.service" || fail "user@$RL_UID.service did not start"
	XDG=/run/user/$RL_UID
}

# user_prop NAME: the scope's property as the user's systemd instance shows it.
user_prop() { as_user systemctl --user show -P "$1" "$SCOPE"; }

@test "systemd: a rootless container gets its scope from the user's systemd instance, user.slice by default" {
	[[ -d /run/systemd/system ]] && is_cgroup2 || skip "needs systemd as init on pure cgroup v2"
	rootless_setup
	start_user_manager
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 40}'
	set_args sleep 1000
	rberth --systemd-cgroup run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
		fail "run -d: $(cat "$BATS_TEST_TMPDIR/err")"
	SCOPE=berth-$ID.scope
	SCOPE_DIR=/sys/fs/cgroup/user.slice/user-$RL_UID.slice/user@$RL_UID.service/user.slice/$SCOPE
	pid=$(rberth state "$ID" | jq -r .pid)
	grep -qx "$pid" "$SCOPE_DIR/cgroup.procs" || fail "init $pid not in $SCOPE_DIR: $(cat /proc/$pid/cgroup)"
	assert_equal "$(stat -c %U "$SCOPE_DIR")" "$RL_USER" "owner of the scope's cgroup"
	assert_equal "$(user_prop Delegate)" yes Delegate
	assert_equal "$(user_prop MemoryMax)" 67108864 MemoryMax
	assert_equal "$(user_prop TasksMax)" 40 TasksMax
	assert_equal "$(cat "$SCOPE_DIR/memory.max")" 67108864 memory.max
	assert_equal "$(cat "$SCOPE_DIR/pids.max")" 40 pids.max
	# Later commands find the unit in the same instance.
	run rberth update --pids-limit 21 "$ID"
	assert_success
	assert_equal "$(user_prop TasksMax)" 21 "TasksMax after update"
	assert_equal "$(cat "$SCOPE_DIR/pids.max")" 21 "pids.max after update"
	run rberth pause "$ID"
	assert_success
	assert_equal "$(cat "$SCOPE_DIR/cgroup.freeze")" 1 cgroup.freeze
	run rberth resume "$ID"
	assert_success
	run rberth delete --force "$ID"
	assert_success
	! user_prop ActiveState | grep -qx active || fail "$SCOPE still active"
	[[ ! -d $SCOPE_DIR ]] || fail "$SCOPE_DIR left after delete"
}

@test "systemd: rootless without a running user instance is a clear error and leaves nothing" {
	[[ -d /run/systemd/system ]] && is_cgroup2 || skip "needs systemd as init on pure cgroup v2"
	rootless_setup
	set_args true
	run --separate-stderr rberth --systemd-cgroup run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error "systemd user instance of uid $RL_UID"
	[[ ! -e $ROOT/$ID ]] || fail "state left after the failed create"
}
