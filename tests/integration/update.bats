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

	# docker sends every field, zeros meaning "no change".
	run berth update -r - "$ID" <<<'{"memory": {"limit": 83886080, "reservation": 0, "swap": 0}, "cpu": {"shares": 0, "quota": 0, "period": 0, "cpus": "", "mems": ""}, "blockIO": {}, "pids": {"limit": 0}}'
	assert_success
	assert_equal "$(mem_limit)" 83886080 "memory from stdin"
	assert_equal "$(pids_max)" 33 "pids kept (0 means unchanged)"
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
