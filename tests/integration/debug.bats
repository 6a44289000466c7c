#!/usr/bin/env bats
# --debug: every stage of create, start, run, exec, kill and delete is logged at debug level,
# with the path or system call and how long it took, from the runtime and from `berth init`
# inside the container, to stderr or --log, as JSON lines with --log-format json; never into
# the container's stdio. (The per-stage timing is what performance work reads.) A create on
# the one-runtime path (libcontainer/planpath.go) has no init: the tests of init's records
# take the other path (BERTH_NO_PLAN=1), and the one-runtime path's records have their own.

load helpers

# stages FILE: the stage names logged in FILE (JSON lines), "proc:stage" each.
stages() { jq -r 'select(.stage != null) | "\(.proc):\(.stage)"' "$1" | sort -u; }

@test "--debug --log FILE --log-format json: debug lines only in the log, the container's output untouched" {
	log=$BATS_TEST_TMPDIR/debug.log
	set_args sh -c 'echo out; echo err >&2'
	run --separate-stderr berth --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" out "the container's stdout"
	assert_equal "$stderr" err "the container's stderr"
	[[ -s $log ]] || fail "nothing logged"
	jq -e -s 'all(.[]; (.level | type == "string") and (.msg | type == "string") and (.time | length > 0))' \
		"$log" >/dev/null || fail "not JSON log lines: $(head -3 "$log")"
	jq -e -s 'any(.[]; .level == "debug")' "$log" >/dev/null || fail "no debug line: $(head -3 "$log")"
}

@test "--debug: without it nothing is logged" {
	set_args true
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$stderr" "" "stderr without --debug"
}

@test "--debug run: each stage, the runtime's and init's, with what, where and how long" {
	is_runc && skip "berth's stage records; runc's --debug logs its own messages"
	export BERTH_NO_PLAN=1
	log=$BATS_TEST_TMPDIR/debug.log
	set_args true
	run berth --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID"
	assert_success
	got=$(stages "$log")
	for want in berth:command "berth:load config" "berth:make state dir" "berth:spawn init" berth:nsenter \
		"berth:wait for init" "berth:set cgroup limits" "berth:save state" "berth:start process" \
		"berth:wait for the container" "berth:remove cgroup" "berth:remove state dir" \
		"init:wait for cgroup placement" "init:mount proc" "init:prepare rootfs" "init:finish rootfs" \
		"init:prepare process"; do
		grep -qxF "$want" <<<"$got" || fail "no '$want' stage in: $got"
	done
	# Every record says how long (ns) and when (CLOCK_MONOTONIC ns), and names its process.
	jq -e -s 'map(select(.stage != null)) | all(.[]; (.took | type == "number") and .took >= 0 and .start > 0
		and (.pid | type == "number") and (.proc == "berth" or .proc == "init"))' "$log" >/dev/null ||
		fail "records without timing: $(head -3 "$log")"
	# nsenter's steps, in order.
	assert_equal "$(jq -r 'select(.stage == "nsenter") | .detail' "$log" | tr '\n' ,)" \
		"stage 1 forked,stage 1 ready,stage 1 released,stage 2 forked,stage 1 reaped,init executed," "nsenter steps"
	# init's clock is the runtime's: its mounts happen between the spawn and the mounts-done wait's end.
	spawned=$(jq -s 'map(select(.stage == "spawn init"))[0] | .start' "$log")
	mounted=$(jq -s 'map(select(.stage == "wait for init" and .detail == "mounts-done"))[0] | .start + .took' "$log")
	jq -e -s --argjson a "$spawned" --argjson b "$mounted" \
		'map(select(.proc == "init" and (.stage | startswith("mount ")))) | length > 0 and all(.[]; .start > $a and .start + .took <= $b)' \
		"$log" >/dev/null || fail "init's mount records are not between spawn ($spawned) and mounts-done ($mounted)"
	# The path is named: the bundle's config, each mount's destination.
	jq -e -s --arg c "$BUNDLE/config.json" 'any(.[]; .stage == "load config" and .detail == $c)' "$log" >/dev/null ||
		fail "load config does not name $BUNDLE/config.json"
	jq -e -s 'any(.[]; .stage == "mount sysfs" and .detail == "/sys")' "$log" >/dev/null || fail "no mount of /sys named"
	# init's pid as the host sees it, not 1.
	jq -e -s 'map(select(.proc == "init")) | all(.[]; .pid > 1)' "$log" >/dev/null || fail "init records with pid 1"
}

@test "--debug create, start, exec, kill, delete: stages on stderr in the text format" {
	is_runc && skip "berth's stage records; runc's --debug logs its own messages"
	export BERTH_NO_PLAN=1
	set_args sleep 1000
	run_detached --debug create --bundle "$BUNDLE" "$ID"
	assert_success
	grep -q 'level=debug msg="spawn init .*took .*" proc=berth pid=[0-9]* stage="spawn init" detail=.* start=[0-9]* took=[0-9]*$' \
		<<<"$stderr" || fail "create's stages: $stderr"
	grep -q 'proc=init .*stage="prepare process"' <<<"$stderr" || fail "init's stages: $stderr"
	run --separate-stderr berth --debug start "$ID"
	assert_success
	[[ $stderr == *'stage="start process"'* ]] || fail "start: $stderr"
	run --separate-stderr berth --debug exec "$ID" echo hi
	assert_success
	assert_equal "$output" hi "exec's output"
	for s in "spawn init" "wait for init" "wait for the process"; do
		[[ $stderr == *"stage=\"$s\""* ]] || fail "exec has no $s: $stderr"
	done
	[[ $stderr == *'proc=init'*'stage="prepare process"'* ]] || fail "exec's init stages: $stderr"
	run --separate-stderr berth --debug kill "$ID" KILL
	assert_success
	[[ $stderr == *'stage="signal SIGKILL"'* ]] || fail "kill: $stderr"
	wait_for_status "$ID" stopped
	run --separate-stderr berth --debug delete "$ID"
	assert_success
	[[ $stderr == *'stage="remove state dir"'* ]] || fail "delete: $stderr"
}

@test "--debug: a failed stage says so" {
	is_runc && skip "berth's stage records"
	set_args /no/such/binary
	log=$BATS_TEST_TMPDIR/debug.log
	BERTH_NO_PLAN=1 run berth --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID"
	assert_failure
	jq -e -s 'any(.[]; .proc == "init" and .stage == "prepare process" and (.err | test("no/such/binary")))' "$log" \
		>/dev/null || fail "no failed prepare process record: $(cat "$log")"
	# The one-runtime path: the runtime's own record.
	log=$BATS_TEST_TMPDIR/plan.log
	run berth --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID"
	assert_failure
	jq -e -s 'any(.[]; .proc == "berth" and .stage == "prepare process" and (.err | test("no/such/binary")))' "$log" \
		>/dev/null || fail "no failed prepare process record: $(cat "$log")"
	# That failure comes after the rootfs, the cgroup and the waiting stage exist: the
	# create undoes all of them (teardown would delete a state entry, so look first).
	run berth state "$ID"
	assert_failure
	[[ -z $(test_cgroups) ]] || fail "cgroups left: $(test_cgroups)"
	[[ -z $(grep -lsa "BERTH_TEST_MARK=$TEST_MARK" /proc/[0-9]*/environ) ]] || fail "a process of the container is left"
}

@test "--debug run on the one-runtime path: the runtime builds the container, no init runs" {
	is_runc && skip "berth's stage records"
	log=$BATS_TEST_TMPDIR/debug.log
	set_args true
	run berth --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID"
	assert_success
	got=$(stages "$log")
	for want in "berth:spawn init" berth:nsenter "berth:mount proc" "berth:prepare rootfs" "berth:finish rootfs" \
		"berth:set cgroup limits" "berth:prepare process" "berth:save state" "berth:start process"; do
		grep -qxF "$want" <<<"$got" || fail "no '$want' stage in: $got"
	done
	assert_one_runtime_path "$log"
	assert_equal "$(jq -r 'select(.stage == "nsenter") | .detail' "$log" | tr '\n' ,)" \
		"stage 1 forked,stage 1 ready,stage 1 released,stage 2 forked,stage 1 reaped,stage 2 waits for its plan,process set up," "nsenter steps"
}

@test "--debug exec on the one-runtime path: the runtime sets up the process, no init runs" {
	is_runc && skip "berth's stage records"
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	log=$BATS_TEST_TMPDIR/debug.log
	run berth --debug --log "$log" --log-format json exec "$ID" cat /proc/self/cgroup
	assert_success
	assert_one_runtime_path "$log"
	got=$(stages "$log")
	for want in "berth:prepare process" "berth:spawn init" "berth:set up process" "berth:start process"; do
		grep -qxF "$want" <<<"$got" || fail "no '$want' stage in: $got"
	done
	# The process is in every cgroup of the container's, as init's would be.
	assert_equal "$output" "$(cat "/proc/$(container_pid "$ID")/cgroup")" "the exec'd process's cgroups"
	grep -q "$ID" <<<"$output" || fail "not in the container's cgroups: $output"
}

