#!/usr/bin/env bats
# What engines do after a container exits: containerd's shim sends `kill --all ID 9` and then
# `delete ID` after every exit, and matches runc's texts ("container not running", "does not
# exist") to learn that a process is already gone. Containers without a pid namespace of their
# own (a pod's shared one, `--pid host`) leave their orphans and `exec -d` processes behind when
# init exits; kill --all and delete must end those too.

load helpers
load cgroups_helpers

# without_pid_ns: the container shares the runtime's pid namespace (`docker run --pid host`).
without_pid_ns() {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
}

# orphan_container: a container without a pid namespace whose init starts a `sleep` marked
# with this test's id and exits at once, leaving the sleep in the container's cgroup.
# Sets ORPHAN to the sleep's host pid.
orphan_container() {
	use_cgroup_path
	without_pid_ns
	set_args sh -c "sleep 1000 & echo \$! > /orphan; exit 0"
	run_detached run -d --bundle "$BUNDLE" "$ID"
	[[ $status -eq 0 ]] || fail "run -d failed ($status): $output"
	wait_for_status "$ID" stopped
	wait_for_file "$BUNDLE/rootfs/orphan"
	ORPHAN=$(cat "$BUNDLE/rootfs/orphan")
	kill -0 "$ORPHAN" || fail "the orphan $ORPHAN is not running"
}

# wait_gone PID [SECONDS]: poll until PID is dead (or a zombie).
wait_gone() {
	local tries=$((${2:-5} * 20))
	while ((tries-- > 0)); do
		process_gone "$1" && return 0
		sleep 0.05
	done
	fail "process $1 is still alive"
}

# started_and_exited: the container ran `true` and exited; its state stays until delete.
started_and_exited() {
	create_container "$ID"
	run berth start "$ID"
	assert_success
	wait_for_status "$ID" stopped
}

@test "kill of a stopped container says 'container not running'; kill --all succeeds" {
	started_and_exited
	run berth kill "$ID" KILL
	assert_failure
	assert_output_contains "container not running"
	run berth kill --all "$ID" KILL
	assert_success
	run berth kill "$ID" 0
	assert_failure
	assert_output_contains "container not running"
	run berth delete "$ID"
	assert_success
}

@test "kill with signal 0 checks that init is alive" {
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	run berth kill "$ID" 0
	assert_success
	assert_equal "$(container_status "$ID")" running "status after signal 0"
}

@test "kill of an unknown container says 'does not exist'" {
	run berth kill "$ID-nope" KILL
	assert_failure
	assert_output_contains "does not exist"
	run berth kill --all "$ID-nope" KILL
	assert_failure
	assert_output_contains "does not exist"
}

@test "kill --all after init exited ends the orphans of a container without a pid namespace" {
	orphan_container
	run berth kill --all "$ID" KILL
	assert_success
	wait_gone "$ORPHAN"
	run berth delete "$ID"
	assert_success
	cg_gone
}

@test "delete of a stopped container without a pid namespace kills its orphans, then removes everything" {
	orphan_container
	SECONDS=0
	run berth delete "$ID"
	assert_success
	((SECONDS < 5)) || fail "delete took ${SECONDS}s"
	wait_gone "$ORPHAN" 1
	cg_gone
	run berth state "$ID"
	assert_failure
	assert_output_contains "does not exist"
}

@test "delete --force of a stopped container without a pid namespace kills its orphans" {
	orphan_container
	run berth delete --force "$ID"
	assert_success
	wait_gone "$ORPHAN" 1
	cg_gone
}

@test "kill KILL of init, then delete, ends exec -d processes of a container without a pid namespace" {
	use_cgroup_path
	without_pid_ns
	run_sleeper
	run_detached exec -d "$ID" sh -c 'echo $$ > /exec.pid; exec sleep 1000'
	assert_success
	wait_for_file "$BUNDLE/rootfs/exec.pid"
	exec_pid=$(cat "$BUNDLE/rootfs/exec.pid")
	kill -0 "$exec_pid"

	run berth kill "$ID" KILL
	assert_success
	wait_for_status "$ID" stopped
	kill -0 "$exec_pid" || fail "the exec'd process died with init: the test needs it alive"
	run berth delete "$ID"
	assert_success
	wait_gone "$exec_pid" 1
	cg_gone
}

@test "ps of a stopped container prints the header and succeeds" {
	started_and_exited
	run berth ps "$ID"
	assert_success
	assert_equal "${#lines[@]}" 1 "lines"
	assert_output_contains "PID"
	run berth ps --format json "$ID"
	assert_success
	# berth prints an empty array; runc encodes its nil slice as null. Parsers take both.
	[[ $output == "[]" || $output == null ]] || fail "ps --format json: $output"
}

@test "ps of a stopped container without a pid namespace lists what is left in its cgroup" {
	orphan_container
	run berth ps --format json "$ID"
	assert_success
	assert_equal "$output" "[$ORPHAN]"
}

@test "list with a --root that does not exist is an error" {
	is_runc && skip "runc 1.1 lists nothing (runc 1.2 changed this)"
	run --separate-stderr "$BERTH" --root "$BATS_TEST_TMPDIR/no-such-root" list
	assert_failure
	assert_one_line_error "no-such-root: no such file or directory"
}

@test "exec into a paused container is refused at once, in runc's words" {
	use_cgroup_path
	run_sleeper
	run berth pause "$ID"
	assert_success
	SECONDS=0
	run --separate-stderr berth exec "$ID" true
	assert_failure
	assert_one_line_error "cannot exec in a paused container \(use --ignore-paused to override\)"
	((SECONDS < 5)) || fail "the refusal took ${SECONDS}s"
	run berth resume "$ID"
	assert_success
	run berth exec "$ID" true
	assert_success
}
