#!/usr/bin/env bats
# Class: caller fds in init and hooks (found in berth, see docs/security.md), the
# CVE-2024-21626 family. Whatever fds the caller of create or exec left open (a host
# file on fd 7, a host directory on fd 10, fd 251 as a harness might leave it) must not
# reach anything in the container's namespaces: not init while created, not the hooks
# init runs, not the process. Only stdio, --preserve-fds and LISTEN_FDS pass.

load helpers
load security_helpers

setup() {
	berth_setup
	SECRET=$BATS_TEST_TMPDIR/host-secret
	echo secret >"$SECRET"
	HOOKS=$BATS_TEST_TMPDIR/hooks
	mkdir -p "$HOOKS"
	chmod 0777 "$HOOKS"
}

# assert_no_caller_fds WHAT LISTING: LISTING (ls -l of an fd directory, or fd_targets)
# names none of the caller's files.
assert_no_caller_fds() {
	[[ -n $2 ]] || fail "$1: nothing listed"
	! grep -qE -- "-> ($SECRET|$BATS_TEST_TMPDIR)\$" <<<"$2" || fail "$1 holds the caller's fds: $2"
}

@test "caller-fds: create: not in the created init, its hooks or the process" {
	# createContainer runs in the container's namespaces before the pivot (host paths),
	# startContainer after it (container paths).
	update_config --arg h "$HOOKS" '.hooks = {
		createContainer: [{path: "/bin/sh", args: ["sh", "-c", "ls -l /proc/self/fd > \($h)/createContainer.fds"]}],
		startContainer: [{path: "/bin/sh", args: ["sh", "-c", "ls -l /proc/self/fd > /startContainer.fds"]}]}'
	set_args sh -c 'ls -l /proc/self/fd > /process.fds; sleep 100'
	berth create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" \
		7<"$SECRET" 10<"$BATS_TEST_TMPDIR" 251<"$SECRET" || fail "create: $(cat "$BATS_TEST_TMPDIR/err")"
	pid=$(container_pid "$ID")
	assert_no_caller_fds "the created init" "$(fd_targets "$pid")"
	assert_no_caller_fds "the createContainer hook" "$(cat "$HOOKS/createContainer.fds")"
	run berth start "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/process.fds"
	assert_no_caller_fds "the startContainer hook" "$(cat "$BUNDLE/rootfs/startContainer.fds")"
	assert_no_caller_fds "the process" "$(cat "$BUNDLE/rootfs/process.fds")"
}

@test "caller-fds: run: an fd of the caller that is not preserved is not visible inside" {
	set_args ls -l /proc/self/fd
	run berth run --bundle "$BUNDLE" "$ID" 7<"$SECRET" 8<"$BATS_TEST_TMPDIR" 251<"$SECRET"
	assert_success
	assert_no_caller_fds "the process" "$output"
	# Only stdio, plus the directory ls itself opened.
	fds=$(awk '$(NF-1) == "->" { print $(NF-2) }' <<<"$output" | sort -n | tr '\n' ' ')
	[[ $fds == "0 1 2 " || $fds == "0 1 2 3 " ]] || fail "unexpected fds inside: $output"
}

@test "caller-fds: exec: not in exec's init while it runs, nor in the process" {
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	hold_exec_init "$ID" ls -l /proc/self/fd 7<"$SECRET" 10<"$BATS_TEST_TMPDIR" 251<"$SECRET"
	assert_no_caller_fds "exec's init" "$(fd_targets "$HELD_PID")"
	release_exec_init
	assert_success
	assert_no_caller_fds "the exec'd process" "$output"
}
