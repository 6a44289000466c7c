#!/usr/bin/env bats
# pause / resume: the freezer (v1) or cgroup.freeze (v2), and the "paused" status.

load helpers
load cgroups_helpers

# ticks: how many lines the counter wrote so far.
ticks() { wc -l <"$BUNDLE/rootfs/ticks"; }

# bats test_tags=vm
@test "pause freezes every process, resume thaws them, state says paused in between" {
	use_cgroup_path
	# A counter that appends a line every 0.1 s: it stops growing exactly while frozen.
	run_sleeper sh -c 'while :; do echo x >>/ticks; sleep 0.1; done'
	wait_for_file "$BUNDLE/rootfs/ticks"

	run berth pause "$ID"
	assert_success
	assert_equal "$(container_status "$ID")" paused status
	if is_cgroup2; then
		assert_cg "" cgroup.freeze 1
	else
		assert_cg freezer freezer.state FROZEN
	fi
	before=$(ticks)
	sleep 0.5
	assert_equal "$(ticks)" "$before" "lines written while paused"
	# Every process of the container is stopped in the freezer.
	for pid in $(cat "$(cg_dir pids)/cgroup.procs" 2>/dev/null || cat "$(cg_dir "")/cgroup.procs"); do
		state=$(awk '/^State:/ {print $2}' "/proc/$pid/status")
		[[ $state == D || $state == S || $state == T ]] || fail "pid $pid is $state while paused"
	done

	run berth resume "$ID"
	assert_success
	assert_equal "$(container_status "$ID")" running status
	sleep 0.5
	(($(ticks) > before)) || fail "no progress after resume"
}

@test "pause of a created container, resume returns it to created" {
	use_cgroup_path
	set_args true
	create_container "$ID"
	run berth pause "$ID"
	assert_success
	assert_equal "$(container_status "$ID")" paused status
	run berth resume "$ID"
	assert_success
	assert_equal "$(container_status "$ID")" created status
}

@test "pause and resume refuse the wrong states" {
	use_cgroup_path
	run_sleeper
	run berth resume "$ID"
	assert_failure
	assert_output_contains "not paused"
	berth pause "$ID"
	run berth pause "$ID"
	assert_failure
	assert_output_contains "already paused"
	berth resume "$ID"
	berth kill "$ID" KILL
	wait_for_status "$ID" stopped
	run berth pause "$ID"
	assert_failure
	assert_output_contains "not running"
	run berth pause nonexistent-$ID
	assert_failure
	assert_output_contains "does not exist"
}

@test "delete refuses a paused container; resume then delete works" {
	use_cgroup_path
	run_sleeper
	berth pause "$ID"
	run berth delete "$ID"
	assert_failure
	assert_output_contains paused
	berth resume "$ID"
	berth kill "$ID" KILL
	wait_for_status "$ID" stopped
	run berth delete "$ID"
	assert_success
	cg_gone
}

# bats test_tags=vm
@test "delete --force removes a paused container" {
	# On cgroup v1 a frozen task acts on no signal until thawed: kill must thaw after SIGKILL.
	use_cgroup_path
	run_sleeper
	berth pause "$ID"
	run berth delete --force "$ID"
	assert_success
	cg_gone
}

@test "kill --all of a paused container with SIGKILL ends it; another signal leaves it paused" {
	use_cgroup_path
	run_sleeper
	berth pause "$ID"
	run berth kill --all "$ID" TERM
	assert_success
	assert_equal "$(container_status "$ID")" paused
	run berth kill --all "$ID" KILL
	assert_success
	wait_for_status "$ID" stopped
}
