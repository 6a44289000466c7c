#!/usr/bin/env bats
# --pidfd-socket (runc ≥ 1.2): the caller gets a pidfd of the container's init (create, run)
# or of the exec'd process (exec) over a unix socket, and can signal and wait for it
# without any pid-reuse race.

load helpers

setup() {
	berth_setup
	runc_older_than 1.2 && skip "runc has --pidfd-socket since 1.2"
	RECVPIDFD=${RECVPIDFD:-$REPO_ROOT/_build/recvpidfd}
	if [[ ! -x $RECVPIDFD ]]; then
		RECVPIDFD=$BATS_RUN_TMPDIR/recvpidfd
		[[ -x $RECVPIDFD ]] || (cd "$REPO_ROOT" && CGO_ENABLED=0 go build -o "$RECVPIDFD" ./contrib/cmd/recvpidfd) ||
			fail "cannot build recvpidfd"
	fi
	SOCK=$BATS_TEST_TMPDIR/pidfd.sock
	GOT=$BATS_TEST_TMPDIR/pidfd.out
}

# start_receiver [--kill]: recvpidfd on $SOCK, its output in $GOT.
start_receiver() {
	# A socket left by an earlier receiver would end the wait below before this one listens.
	rm -f "$SOCK"
	"$RECVPIDFD" "$@" "$SOCK" >"$GOT" 2>&1 </dev/null &
	RECEIVER=$!
	on_teardown "kill $RECEIVER 2>/dev/null || true"
	wait_for_file "$SOCK"
}

# wait_receiver: recvpidfd finished, and succeeded.
wait_receiver() {
	wait "$RECEIVER" || fail "recvpidfd failed: $(cat "$GOT")"
}

@test "create --pidfd-socket: a pidfd of the init, which kills it" {
	start_receiver --kill
	set_args sleep 1000
	create_container --pidfd-socket "$SOCK" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	wait_receiver
	assert_equal "$(head -1 "$GOT")" "standard $pid" "message and pid"
	assert_equal "$(sed -n 2p "$GOT")" exited "killed through the pidfd"
	wait_for_status "$ID" stopped
}

@test "run -d --pidfd-socket, and exec --pidfd-socket: the exec'd process's pidfd" {
	start_receiver
	set_args sleep 1000
	run_detached run -d --pidfd-socket "$SOCK" --bundle "$BUNDLE" "$ID"
	assert_success
	wait_receiver
	assert_equal "$(cat "$GOT")" "standard $(container_pid "$ID")" "run's pidfd"

	start_receiver --kill
	run berth exec --pidfd-socket "$SOCK" "$ID" sleep 1000
	# Killed through the pidfd: the status is SIGKILL's.
	assert_failure 137
	wait_receiver
	read -r kind pid <"$GOT"
	assert_equal "$kind" setns "exec's message"
	[[ $pid != "$(container_pid "$ID")" ]] || fail "exec's pidfd is the init's"
	assert_equal "$(container_status "$ID")" running "the container after its exec was killed"
}

@test "--pidfd-socket that nobody listens on fails before anything is made" {
	run berth run -d --pidfd-socket "$BATS_TEST_TMPDIR/nobody.sock" --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "nobody.sock"
	run berth state "$ID"
	assert_failure
}
