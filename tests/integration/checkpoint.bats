#!/usr/bin/env bats
# checkpoint and restore where CRIU cannot run (this host's kernel: CRIU fails in its vDSO
# set-up): the argument checks, which must fail before CRIU is started, and CRIU's own
# failure, which must be reported with its log file and leave the container as it was (a
# checkpoint) or nothing at all (a restore). Checkpointing that works is tested in the VM
# lane: checkpoint_vm.bats.

load helpers

setup() {
	berth_setup
	IMG=$BATS_TEST_TMPDIR/images
}

# start_counter: a running container that counts in /count of its rootfs.
start_counter() {
	set_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/count; sleep 0.1; done'
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/count"
}

# assert_counting: the counter is the container's init, running and still counting.
assert_counting() {
	local pid=$1 before
	assert_equal "$(container_status "$ID")" running status
	assert_equal "$(container_pid "$ID")" "$pid" "init pid"
	before=$(read_written "$BUNDLE/rootfs/count")
	sleep 0.5
	(($(read_written "$BUNDLE/rootfs/count") > before)) || fail "the container stopped counting at $before"
}

# assert_no_criu_log: CRIU was never started for these images.
assert_no_criu_log() {
	local logs
	logs=$(find "$IMG" "$@" -name '*.log' 2>/dev/null) || true
	[[ -z $logs ]] || fail "CRIU ran: $logs"
}

# berth_err ARGS...: run berth with its error in $output (and $stderr), for the checks on it.
berth_err() {
	run --separate-stderr berth "$@"
	output=$stderr
}

# skip_unless_criu_fails: the tests of CRIU's failure need a CRIU that fails here.
skip_unless_criu_fails() {
	command -v criu >/dev/null || fail "criu is not installed (make deps)"
	if criu check >/dev/null 2>&1; then
		skip "CRIU works on this kernel: checkpoint_vm.bats tests it"
	fi
}

@test "checkpoint without --image-path fails before CRIU and leaves the container running" {
	# runc 1.1 checkpoints into ./checkpoint of its working directory instead.
	is_runc && skip "runc defaults to ./checkpoint"
	start_counter
	pid=$(container_pid "$ID")
	berth_err checkpoint "$ID"
	assert_failure
	assert_one_line_error '--image-path'
	assert_counting "$pid"
}

@test "checkpoint with a --parent-path that does not exist fails before CRIU" {
	start_counter
	pid=$(container_pid "$ID")
	berth_err checkpoint --image-path "$IMG" --parent-path ../nope "$ID"
	assert_failure
	assert_output_contains "parent-path"
	assert_output_contains "nope"
	assert_no_criu_log
	assert_counting "$pid"
}

@test "checkpoint with an absolute --parent-path fails: it is relative to --image-path" {
	start_counter
	mkdir -p "$BATS_TEST_TMPDIR/pre"
	berth_err checkpoint --image-path "$IMG" --parent-path "$BATS_TEST_TMPDIR/pre" "$ID"
	assert_failure
	assert_output_contains "parent-path"
	assert_output_contains "relative"
	assert_no_criu_log
}

@test "checkpoint with an unknown --manage-cgroups-mode, --empty-ns or --page-server fails before CRIU" {
	start_counter
	pid=$(container_pid "$ID")
	berth_err checkpoint --image-path "$IMG" --manage-cgroups-mode berthbogus "$ID"
	assert_failure
	grep -qiE 'manage.cgroups.mode' <<<"$stderr" || fail "error does not name the flag: $stderr"
	berth_err checkpoint --image-path "$IMG" --empty-ns berthbogus "$ID"
	assert_failure
	assert_output_contains berthbogus
	berth_err checkpoint --image-path "$IMG" --page-server 127.0.0.1 "$ID"
	assert_failure
	grep -qiE 'page.server' <<<"$stderr" || fail "error does not name the flag: $stderr"
	assert_no_criu_log
	assert_counting "$pid"
}

@test "checkpoint refuses a created container and one that does not exist" {
	set_args sleep 100
	create_container "$ID"
	berth_err checkpoint --image-path "$IMG" "$ID"
	assert_failure
	assert_output_contains created
	assert_equal "$(container_status "$ID")" created status
	berth_err checkpoint --image-path "$IMG" berth-nosuch-$RANDOM
	assert_failure
	assert_output_contains "does not exist"
	assert_no_criu_log
}

@test "restore without a checkpoint in --image-path fails before CRIU and leaves nothing" {
	mkdir -p "$IMG"
	berth_err restore -d --bundle "$BUNDLE" --image-path "$IMG" "$ID" </dev/null
	assert_failure
	assert_output_contains "$IMG"
	run berth state "$ID"
	assert_failure
	if ! is_runc; then
		# runc 1.1 starts CRIU on an empty directory and reports what CRIU says.
		assert_no_criu_log
		berth_err restore -d --bundle "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/none" "$ID" </dev/null
		assert_failure
		assert_output_contains "$BATS_TEST_TMPDIR/none"
		[[ ! -e $BATS_TEST_TMPDIR/none ]] || fail "restore made the image directory"
	fi
}

@test "restore without --image-path, or with an unknown or strict --manage-cgroups-mode, fails before CRIU" {
	# runc 1.1 looks in ./checkpoint, and starts CRIU before it reads --manage-cgroups-mode.
	is_runc && skip "runc 1.1 starts CRIU first"
	berth_err restore -d --bundle "$BUNDLE" "$ID" </dev/null
	assert_failure
	assert_one_line_error '--image-path'
	mkdir -p "$IMG" && : >"$IMG/inventory.img"
	berth_err restore -d --bundle "$BUNDLE" --image-path "$IMG" --manage-cgroups-mode berthbogus "$ID" </dev/null
	assert_failure
	assert_one_line_error 'manage-cgroups-mode.*berthbogus'
	# strict would have CRIU refuse the cgroup berth makes for the container.
	berth_err restore -d --bundle "$BUNDLE" --image-path "$IMG" --manage-cgroups-mode strict "$ID" </dev/null
	assert_failure
	assert_one_line_error 'manage-cgroups-mode strict'
	assert_no_criu_log
	run berth state "$ID"
	assert_failure
}

@test "checkpoint: CRIU's failure is reported with its log, and the container runs on as it was" {
	skip_unless_criu_fails
	start_counter
	pid=$(container_pid "$ID")
	berth_err checkpoint --image-path "$IMG" "$ID"
	assert_failure
	assert_output_contains "dump.log"
	grep -q Error "$IMG/dump.log" || fail "CRIU logged no error in $IMG/dump.log"
	if ! is_runc; then
		# runc names the log's file name only, on a second line.
		assert_one_line_error "criu failed: .*\(log: $IMG/dump.log\)"
	fi
	assert_counting "$pid"
	# Not left frozen either: it can be paused and resumed as before.
	run berth pause "$ID"
	assert_success
	run berth resume "$ID"
	assert_success
	assert_counting "$pid"
	# A pre-dump fails the same way, with its log in --work-path. (runc 1.1 asks CRIU for
	# its memory-tracking feature first, which fails without a log.)
	is_runc && return 0
	berth_err checkpoint --image-path "$IMG" --work-path "$BATS_TEST_TMPDIR/work" --pre-dump "$ID"
	assert_failure
	assert_output_contains "pre-dump.log"
	[[ -s $BATS_TEST_TMPDIR/work/pre-dump.log ]] || fail "no CRIU log in --work-path"
	assert_counting "$pid"
}

@test "restore: CRIU's failure is reported with its log and leaves no state, cgroup, mount or process" {
	skip_unless_criu_fails
	set_args sleep 100
	update_config '.linux.resources = {pids: {limit: 100}}'
	# Not a checkpoint CRIU can read: it fails either way, here at its kernel checks.
	mkdir -p "$IMG"
	echo garbage >"$IMG/inventory.img"
	echo '["pipe:[1]","pipe:[2]","pipe:[3]"]' >"$IMG/descriptors.json"
	berth_err restore -d --bundle "$BUNDLE" --image-path "$IMG" "$ID" </dev/null
	assert_failure
	assert_output_contains "restore.log"
	grep -q Error "$IMG/restore.log" || fail "CRIU logged no error in $IMG/restore.log"
	is_runc || assert_one_line_error "criu failed: .*\(log: $IMG/restore.log\)"
	run berth state "$ID"
	assert_failure
	assert_output_contains "does not exist"
	# teardown checks that no state, cgroup, mount or process is left.
}

@test "stdio on the host's /dev/null is reopened on the container's own, which CRIU can dump" {
	set_args sleep 100
	berth run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "run -d failed"
	pid=$(container_pid "$ID")
	for fd in 0 1 2; do
		assert_equal "$(readlink "/proc/$pid/fd/$fd")" /dev/null "fd $fd"
		mnt=$(awk '/^mnt_id:/ { print $2 }' "/proc/$pid/fdinfo/$fd")
		# The file's mount is one of the container's, not the host's devtmpfs.
		awk -v m="$mnt" '$1 == m { found = 1 } END { exit !found }' "/proc/$pid/mountinfo" ||
			fail "fd $fd is on mount $mnt, not in the container's mount namespace"
	done
}

@test "podman's probes: checkpoint --help succeeds, restore --lsm-mount-context wants an argument" {
	run berth checkpoint --help
	assert_success
	assert_output_contains "--tcp-established"
	run berth restore --lsm-mount-context
	assert_failure
	assert_output_contains "flag needs an argument"
}

@test "features advertises checkpoint/restore under a key of berth's own" {
	is_runc && skip "runc 1.1 does not report it"
	run berth features
	assert_success
	assert_equal "$(jq -r '.annotations["io.github.berth-runtime.berth.checkpoint.enabled"]' <<<"$output")" true
	jq -e '[.annotations | keys[] | select(startswith("org.opencontainers.runc"))] == []' <<<"$output" >/dev/null ||
		fail "berth uses runc's keys: $output"
}
