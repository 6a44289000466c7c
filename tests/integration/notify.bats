#!/usr/bin/env bats
# NOTIFY_SOCKET: with it in the runtime's environment (systemd Type=notify units, podman
# --sdnotify=container), the container gets a socket at /run/notify/notify.sock and its
# READY=1 reaches the host's socket with MAINPID; run -d and start return once it came.

load helpers

setup() {
	berth_setup
	SDNOTIFY=${SDNOTIFY:-$REPO_ROOT/_build/sdnotify}
	if [[ ! -x $SDNOTIFY ]]; then
		SDNOTIFY=$BATS_RUN_TMPDIR/sdnotify
		[[ -x $SDNOTIFY ]] || (cd "$REPO_ROOT" && CGO_ENABLED=0 go build -o "$SDNOTIFY" ./contrib/cmd/sdnotify) ||
			fail "cannot build sdnotify"
	fi
	cp "$SDNOTIFY" "$BUNDLE/rootfs/bin/sdnotify"
	HOST_SOCK=$BATS_TEST_TMPDIR/host-notify.sock
	RECEIVED=$BATS_TEST_TMPDIR/received
	: >"$RECEIVED"
}

# start_listener [SOCKET]: the host's side, standing in for systemd.
start_listener() {
	"$SDNOTIFY" listen "${1:-$HOST_SOCK}" "$RECEIVED" </dev/null &
	local pid=$!
	on_teardown "kill $pid 2>/dev/null || true"
	if [[ ${1:-$HOST_SOCK} != @* ]]; then wait_for_file "${1:-$HOST_SOCK}"; else sleep 0.2; fi
}

# received_has LINE: the host got LINE (a whole line of one datagram, as sdnotify logs it).
received_has() { grep -Eq "(^|\\|)$1(\\||$| \\()" "$RECEIVED"; }

@test "run -d returns once the container said READY=1; the host gets it with the init's MAINPID" {
	start_listener
	# The sleep makes READY come well after the process starts: run must wait for it.
	set_args sh -c 'echo "$NOTIFY_SOCKET" >/tmp/env; grep " /run/notify " /proc/self/mountinfo >/tmp/mnt
		sleep 1; sdnotify send STATUS=almost; sdnotify send READY=1 MAINPID=1; exec sleep 1000'
	NOTIFY_SOCKET=$HOST_SOCK run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	# When run returned, READY=1 had reached the host.
	received_has READY=1 || fail "run -d returned before READY=1 was relayed: $(cat "$RECEIVED")"
	pid=$(container_pid "$ID")
	received_has "MAINPID=$pid" || fail "no MAINPID=$pid: $(cat "$RECEIVED")"
	! received_has MAINPID=1 || fail "the container's own MAINPID=1 was passed on: $(cat "$RECEIVED")"
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/env")" /run/notify/notify.sock "NOTIFY_SOCKET in the container"
	grep -q ' ro[, ]' "$BUNDLE/rootfs/tmp/mnt" || fail "/run/notify is not read-only: $(cat "$BUNDLE/rootfs/tmp/mnt")"
	if ! is_runc; then
		# berth also passes on what came before READY (runc drops it), and waits for the
		# manager with BARRIER=1 (sd_notify_barrier).
		received_has STATUS=almost || fail "STATUS not relayed: $(cat "$RECEIVED")"
		received_has 'BARRIER=1' || fail "no BARRIER=1: $(cat "$RECEIVED")"
	fi
}

@test "create then start: start returns once READY=1 came (abstract host socket)" {
	sock=@berth-notify-$TEST_MARK
	start_listener "$sock"
	set_args sh -c 'sleep 1; sdnotify send READY=1; exec sleep 1000'
	NOTIFY_SOCKET=$sock create_container "$ID"
	NOTIFY_SOCKET=$sock run berth start "$ID"
	assert_success
	received_has READY=1 || fail "start returned before READY=1 was relayed: $(cat "$RECEIVED")"
	received_has "MAINPID=$(container_pid "$ID")" || fail "no MAINPID: $(cat "$RECEIVED")"
}

@test "start returns when the container exits without saying READY=1" {
	start_listener
	set_args true
	NOTIFY_SOCKET=$HOST_SOCK create_container "$ID"
	NOTIFY_SOCKET=$HOST_SOCK run berth start "$ID"
	assert_success
	wait_for_status "$ID" stopped
	! received_has READY=1 || fail "READY relayed: $(cat "$RECEIVED")"
}

@test "foreground run: READY=1 goes to the host with the runtime's own pid as MAINPID" {
	start_listener
	set_args sh -c 'sdnotify send READY=1; sleep 0.5'
	# Not through timeout(1): MAINPID must be the runtime's pid, which $! is here.
	NOTIFY_SOCKET=$HOST_SOCK "$BERTH" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null &
	runtime_pid=$!
	(sleep "$BERTH_TIMEOUT"; kill -9 "$runtime_pid") 2>/dev/null &
	watchdog=$!
	wait "$runtime_pid"
	kill "$watchdog" 2>/dev/null || true
	received_has READY=1 || fail "no READY=1: $(cat "$RECEIVED")"
	received_has "MAINPID=$runtime_pid" || fail "MAINPID is not the runtime's ($runtime_pid): $(cat "$RECEIVED")"
}

@test "without NOTIFY_SOCKET the container gets no notify socket" {
	set_args sh -c 'echo "[$NOTIFY_SOCKET]"; grep -c " /run/notify " /proc/self/mountinfo || true'
	run env -u NOTIFY_SOCKET timeout 30 "$BERTH" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" $'[]\n0' "env and mounts"
}
