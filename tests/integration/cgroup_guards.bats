#!/usr/bin/env bats
# The cgroups create refuses or reads differently, as runc does: a frozen cgroup (init would
# hang there), one that already holds processes, and a systemd-style "slice:prefix:name" path
# without --systemd-cgroup, which is a plain cgroupfs path (containerd writes that form for
# every ".slice" pod parent, even with SystemdCgroup = false). Every wait on init has a
# deadline, and a create that times out leaves nothing.

load helpers
load cgroups_helpers

# guard_dir KIND NAME: the host directory of cgroup /NAME where KIND (freezer or pids) lives.
guard_dir() {
	if is_cgroup2; then
		echo "/sys/fs/cgroup/$2"
	else
		echo "/sys/fs/cgroup/$1/$2"
	fi
}

# frozen_cgroup NAME: make cgroup /NAME and freeze it; teardown thaws and removes it.
frozen_cgroup() {
	local dir
	dir=$(guard_dir freezer "$1")
	mkdir -p "$dir"
	if is_cgroup2; then
		echo 1 >"$dir/cgroup.freeze"
		on_teardown "echo 0 > '$dir/cgroup.freeze'; rmdir '$dir'"
	else
		echo FROZEN >"$dir/freezer.state"
		on_teardown "echo THAWED > '$dir/freezer.state'; rmdir '$dir'"
	fi
}

# bats test_tags=vm
@test "create in a frozen cgroup is refused at once, naming it, and leaves nothing" {
	name=berth-$TEST_MARK-frozen
	frozen_cgroup "$name"
	update_config --arg p "/$name" '.linux.cgroupsPath = $p'
	SECONDS=0
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	((SECONDS < 10)) || fail "the refusal took ${SECONDS}s"
	assert_output_contains "frozen"
	if ! is_runc; then
		assert_output_contains "$(guard_dir freezer "$name")"
	fi
	run berth state "$ID"
	assert_failure
}

# bats test_tags=vm
@test "create below a frozen parent cgroup is refused at once, naming the parent" {
	is_runc && skip "runc checks only the container's own cgroup, and hangs below a frozen parent"
	name=berth-$TEST_MARK-frozen
	frozen_cgroup "$name"
	update_config --arg p "/$name/$ID" '.linux.cgroupsPath = $p'
	SECONDS=0
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	((SECONDS < 10)) || fail "the refusal took ${SECONDS}s"
	assert_output_contains "container's cgroup is frozen: $(guard_dir freezer "$name")"
	[[ ! -e $(guard_dir freezer "$name")/$ID ]] || fail "the container's cgroup was made"
}

# bats test_tags=vm
@test "create in a cgroup that already holds processes is refused (runc 1.2)" {
	is_runc && skip "runc 1.1 only warns (runc 1.2 refuses)"
	name=berth-$TEST_MARK-busy
	dir=$(guard_dir pids "$name")
	mkdir -p "$dir"
	sleep 1000 &
	sleeper=$!
	echo "$sleeper" >"$dir/cgroup.procs"
	on_teardown "kill -9 $sleeper; wait $sleeper; rmdir '$dir'"
	update_config --arg p "/$name" '.linux.cgroupsPath = $p'
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "container's cgroup is not empty: 1 process(es) found in $dir"
	kill -0 "$sleeper" || fail "the process already in the cgroup was harmed"
	run berth state "$ID"
	assert_failure
}

# bats test_tags=vm
@test "a slice:prefix:name cgroupsPath without --systemd-cgroup is a cgroupfs path" {
	unit=berth-$TEST_MARK-pod.slice:cri-containerd:$ID
	update_config --arg p "$unit" '.linux.cgroupsPath = $p'
	set_args sh -c 'cat /proc/self/cgroup > /cgroup.out; sleep 1000'
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/cgroup.out"
	# Relative, so below the runtime's own cgroup, in every hierarchy.
	while IFS=: read -r _ ctrl path; do
		[[ $path == */"$unit" ]] || fail "cgroup of $ctrl: $path, want .../$unit"
	done <"$BUNDLE/rootfs/cgroup.out"
	run berth delete --force "$ID"
	assert_success
}

@test "a create whose init stops answering times out and leaves nothing" {
	is_runc && skip "BERTH_INIT_TIMEOUT is berth's"
	is_cgroup2 && skip "freezes through the v1 freezer"
	v1_mounted freezer || skip "no cgroup v1 freezer"
	use_cgroup_path
	# The hook freezes init in its cgroup between two of its answers, as a cgroup frozen
	# by someone else would.
	update_config --arg f "$(cg_dir freezer)/freezer.state" \
		'.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "echo FROZEN > \($f)"]}]'
	SECONDS=0
	BERTH_INIT_TIMEOUT=2 run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	((SECONDS < 20)) || fail "the create took ${SECONDS}s"
	assert_output_contains "within 2s"
	run berth state "$ID"
	assert_failure
	cg_gone
}
