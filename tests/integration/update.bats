#!/usr/bin/env bats
# update: runc's flags, -r FILE (podman) and -r - on stdin (docker); limits land in the cgroup
# and are kept for the next update.

load helpers
load cgroups_helpers


# bats test_tags=vm
@test "update with flags: memory, cpu, cpuset, pids" {
	update_config '.linux.resources.memory = {limit: 134217728} | .linux.resources.pids = {limit: 50}'
	use_cgroup_path
	run_sleeper
	last=$(($(nproc) - 1))
	run berth update --memory 64m --cpu-quota 30000 --cpu-period 60000 --cpuset-cpus "$last" --pids-limit 40 "$ID"
	assert_success
	assert_equal "$(mem_limit)" 67108864 "memory limit"
	assert_equal "$(cpu_quota_period)" "30000 60000" "cpu quota/period"
	assert_equal "$(cg_read cpuset cpuset.cpus)" "$last" cpuset.cpus
	assert_equal "$(pids_max)" 40 pids.max
	# The container's own view follows.
	pid=$(container_pid "$ID")
	grep -q "Cpus_allowed_list:.$last\$" "/proc/$pid/status" || fail "init not moved to cpu $last"
}

# bats test_tags=vm
@test "update -r FILE (podman's form) and -r - on stdin (docker's form)" {
	update_config '.linux.resources.memory = {limit: 134217728}'
	use_cgroup_path
	run_sleeper
	echo '{"memory": {"limit": 100663296}, "pids": {"limit": 33}}' >"$BATS_TEST_TMPDIR/res.json"
	run berth update --resources="$BATS_TEST_TMPDIR/res.json" "$ID"
	assert_success
	assert_equal "$(mem_limit)" 100663296 "memory from FILE"
	assert_equal "$(pids_max)" 33 "pids from FILE"

	# docker sends every field, zeros meaning "no change" (a pids limit only when it has one).
	run berth update -r - "$ID" <<<'{"memory": {"limit": 83886080, "reservation": 0, "swap": 0}, "cpu": {"shares": 0, "quota": 0, "period": 0, "cpus": "", "mems": ""}, "blockIO": {}}'
	assert_success
	assert_equal "$(mem_limit)" 83886080 "memory from stdin"
	assert_equal "$(pids_max)" 33 "pids kept"
}

# bats test_tags=vm
@test "a pids limit of 0 is a limit (no new task), in config.json and in update" {
	skip_if_runc_before 1.4 "pids.limit 0 as a limit (older runc reads it as no limit)"
	# runtime-spec 1.3: -1 is no limit, 0 a limit. runc 1.4+ writes 1 for it, which in a
	# cgroup that holds init forbids forks just the same; berth does too.
	update_config '.linux.resources.pids = {limit: 0}'
	use_cgroup_path
	run_sleeper
	assert_equal "$(pids_max)" 1 "pids.max for limit 0"
	run berth update --pids-limit -1 "$ID"
	assert_success
	assert_equal "$(pids_max)" max "pids.max for -1"
	run berth update --pids-limit 0 "$ID"
	assert_success
	assert_equal "$(pids_max)" 1 "pids.max after update --pids-limit 0"

	# The container's process cannot fork.
	ID2=$(new_id)
	use_cgroup_path "$ID2"
	set_args sh -c 'true & wait'
	run berth run --bundle "$BUNDLE" "$ID2"
	assert_output_contains "can't fork"
}

@test "update keeps earlier updates and the create-time limits" {
	update_config '.linux.resources.memory = {limit: 134217728} | .linux.resources.cpu = {quota: 20000, period: 100000}'
	use_cgroup_path
	run_sleeper
	berth update --memory 96m "$ID"
	berth update --pids-limit 25 "$ID"
	# A flag-less field is rewritten from the stored config, not reset.
	assert_equal "$(mem_limit)" 100663296 memory
	assert_equal "$(cpu_quota_period)" "20000 100000" cpu
	assert_equal "$(pids_max)" 25 pids
}

@test "update errors: bad values, stopped or unknown containers" {
	use_cgroup_path
	run_sleeper
	run berth update --memory lots "$ID"
	assert_failure
	assert_output_contains "--memory"
	run berth update -r "$BATS_TEST_TMPDIR/missing.json" "$ID"
	assert_failure
	run berth update -r - "$ID" <<<'not json'
	assert_failure
	assert_output_contains "linux.resources"
	run berth update --pids-limit 5 "nonexistent-$ID"
	assert_failure
	assert_output_contains "does not exist"
	berth kill "$ID" KILL
	wait_for_status "$ID" stopped
	run berth update --pids-limit 5 "$ID"
	assert_failure
}

@test "update of a paused container applies and it stays paused" {
	use_cgroup_path
	run_sleeper
	berth pause "$ID"
	run berth update --pids-limit 12 "$ID"
	assert_success
	assert_equal "$(pids_max)" 12 pids
	assert_equal "$(container_status "$ID")" paused status
	berth resume "$ID"
}

# bats test_tags=vm
@test "update --l3-cache-schema / --mem-bw-schema without Intel RDT names the missing feature, changes nothing" {
	grep -qw resctrl /proc/self/mountinfo && skip "this host has resctrl: the error case needs a host without"
	update_config '.linux.resources.pids = {limit: 50}'
	use_cgroup_path
	run_sleeper
	run --separate-stderr berth update --l3-cache-schema "L3:0=f" --pids-limit 7 "$ID"
	assert_failure
	[[ $stderr == *"Intel RDT/CAT: l3 cache schema is not enabled"* ]] || fail "stderr: $stderr"
	assert_equal "$(pids_max)" 50 "pids.max after a refused update"
	run --separate-stderr berth update "$ID" --mem-bw-schema "MB:0=20"
	assert_failure
	[[ $stderr == *"Intel RDT/MBA: memory bandwidth schema is not enabled"* ]] || fail "stderr: $stderr"
}

# bats test_tags=vm
@test "update --cpu-idle 0 with shares works on an idle container" {
	# The kernel refuses a weight while cpu.idle is 1: idle goes off before the shares go in.
	is_cgroup2 || skip_if_runc_before 1.2 "cpu.idle on cgroup v1"
	cpu_file() { if is_cgroup2; then cg_read "" "$1"; else cg_read cpu "$1"; fi; }
	update_config '.linux.resources.cpu = {shares: 1024, idle: 1}'
	use_cgroup_path
	run_sleeper
	[[ -e $(cg_dir "$(is_cgroup2 || echo cpu)")/cpu.idle ]] || skip "kernel without cpu.idle"
	assert_equal "$(cpu_file cpu.idle)" 1 "cpu.idle at create"
	run berth update --cpu-idle 0 --cpu-share 512 "$ID"
	assert_success
	assert_equal "$(cpu_file cpu.idle)" 0 "cpu.idle after update"
	if is_cgroup2; then
		[[ $(cpu_file cpu.weight) != 100 ]] || fail "cpu.weight still 100 (shares 1024)"
	else
		assert_equal "$(cpu_file cpu.shares)" 512 cpu.shares
	fi
}
