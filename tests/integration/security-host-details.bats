#!/usr/bin/env bats
# Class: host details in the container's view (found in berth, see docs/security.md).
# Until `berth init` executes, the last raw stage is a copy of the caller: anyone in the
# container's pid namespace could read its /proc/<pid>/cmdline and learn the caller's
# --root, --log, --pid-file and bundle paths. Every process that appears in the
# container's pid namespace must show `berth init` (or the container's own program).

load helpers

# trace ARGS...: `berth ARGS` under a tracer that prints every new process the moment it
# is created: "<pid> <pid namespace> <command line>".
# The output goes through a file: a created container keeps the caller's stdout, and a
# pipe would keep `run` waiting until it dies.
trace() {
	local out=$BATS_TEST_TMPDIR/trace.out rc=0
	"$REPO_ROOT/tests/integration/testdata/trace-new-processes.py" "$BERTH" --root "$ROOT" \
		--log "$BATS_TEST_TMPDIR/log-path-of-the-host" "$@" >"$out" 2>&1 </dev/null || rc=$?
	cat "$out"
	return "$rc"
}

# assert_only_init_in NS: every process created in pid namespace NS (from $output) shows
# "<runtime> init", and at least one was seen.
assert_only_init_in() {
	local seen
	seen=$(awk -v ns="$1" '$2 == ns' <<<"$output")
	[[ -n $seen ]] || fail "no process was created in the container's pid namespace ($1): $output"
	! grep -v -E '^[0-9]+ [^ ]+ [^ ]*(berth|runc) init$' <<<"$seen" ||
		fail "the container's pid namespace saw the caller's command line: $seen"
}

@test "host-details: exec: the new process in the container's pid namespace shows only 'berth init'" {
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	ns=$(readlink "/proc/$(container_pid "$ID")/ns/pid")
	run trace exec "$ID" true
	assert_success
	assert_only_init_in "$ns"
}

@test "host-details: create into another container's pid namespace: only 'berth init' shows there" {
	set_args sleep 100
	first=$(new_id)
	run_detached run -d --bundle "$BUNDLE" "$first"
	assert_success
	first_pid=$(container_pid "$first")
	ns=$(readlink "/proc/$first_pid/ns/pid")
	update_config --arg p "/proc/$first_pid/ns/pid" \
		'.linux.namespaces = [.linux.namespaces[] | if .type == "pid" then .path = $p else . end]'
	run trace create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid-file-of-the-host" "$ID"
	assert_success
	assert_only_init_in "$ns"
}
