#!/usr/bin/env bats
# Terminals: process.terminal with --console-socket (the pty master goes to a receiver,
# as containerd's shim and conmon use it), foreground run/exec -t (berth runs the
# terminal itself), consoleSize, /dev/console, and window size changes.

load helpers

setup() {
	berth_setup
	RECVTTY=${RECVTTY:-$REPO_ROOT/_build/recvtty}
	if [[ ! -x $RECVTTY ]]; then
		RECVTTY=$BATS_RUN_TMPDIR/recvtty
		[[ -x $RECVTTY ]] || (cd "$REPO_ROOT" && CGO_ENABLED=0 go build -o "$RECVTTY" ./contrib/cmd/recvtty) ||
			fail "cannot build recvtty"
	fi
	SOCK=$BATS_TEST_TMPDIR/console.sock
	TTY_OUT=$BATS_TEST_TMPDIR/tty.out
}

# start_recvtty: a receiver on $SOCK writing the terminal's output to $TTY_OUT.
start_recvtty() {
	"$RECVTTY" --no-stdin --pid-file "$BATS_TEST_TMPDIR/recvtty.pid" "$SOCK" >"$TTY_OUT" 2>&1 </dev/null &
	RECVTTY_PID=$!
	on_teardown "kill $RECVTTY_PID 2>/dev/null || true"
	wait_for_file "$BATS_TEST_TMPDIR/recvtty.pid"
}

# wait_recvtty: the receiver exits once the terminal's last user is gone.
wait_recvtty() {
	for _ in $(seq 100); do kill -0 "$RECVTTY_PID" 2>/dev/null || return 0; sleep 0.1; done
	fail "recvtty did not finish: $(cat "$TTY_OUT")"
}

@test "terminal: create --console-socket gives the container a pty, consoleSize and /dev/console" {
	update_config '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 99}'
	set_args sh -c 'tty; stty size; ls -l /dev/console; readlink /proc/self/fd/0 /proc/self/fd/1; test -t 0 && echo stdin-is-tty'
	start_recvtty
	create_container --console-socket "$SOCK" "$ID"
	berth start "$ID"
	wait_recvtty
	out=$(tr -d '\r' <"$TTY_OUT")
	[[ $out == *"/dev/pts/0"* ]] || fail "no pty inside: $out"
	[[ $out == *"33 99"* ]] || fail "consoleSize not applied: $out"
	[[ $out == *"stdin-is-tty"* ]] || fail "stdin is not the terminal: $out"
	# /dev/console is the same pty (a devpts node, major 136).
	grep -Eq '^c.* 136, +0 .*/dev/console' <<<"$out" || fail "/dev/console is not the pty: $out"
}

@test "terminal: create --console-socket in a user namespace: the pty is the process user's, /dev/console the pty" {
	# On the one-runtime path the runtime opens the pty outside the user namespace and
	# hands the peer to the container's first process with the go-ahead.
	update_config '.process.terminal = true | .process.user = {uid: 1000, gid: 1000} |
		.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	set_args sh -c 'tty; stat -c "owner %u %g" $(tty); ls -l /dev/console; test -t 0 && echo stdin-is-tty'
	start_recvtty
	create_container --console-socket "$SOCK" "$ID"
	berth start "$ID"
	wait_recvtty
	out=$(tr -d '\r' <"$TTY_OUT")
	[[ $out == *"/dev/pts/0"* && $out == *"stdin-is-tty"* ]] || fail "no pty inside: $out"
	[[ $out == *"owner 1000 5"* ]] || fail "pty owner: $out"
	grep -Eq '^c.* 136, +0 .*/dev/console' <<<"$out" || fail "/dev/console is not the pty: $out"
}

@test "terminal: exec -t with --console-socket" {
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	start_recvtty
	run berth exec -t --console-socket "$SOCK" "$ID" sh -c 'tty; test -t 1 && echo out-is-tty'
	assert_success
	wait_recvtty
	out=$(tr -d '\r' <"$TTY_OUT")
	[[ $out == *"/dev/pts/"* && $out == *"out-is-tty"* ]] || fail "exec -t: $out"
}

@test "terminal: foreground run owns the terminal (script(1) as the user's tty)" {
	update_config '.process.terminal = true'
	set_args sh -c 'tty; test -t 0 && echo in-tty; exit 7'
	run script -qec "$BERTH --root $ROOT run --bundle $BUNDLE $ID" /dev/null
	# script passes the exit status of the command through.
	assert_failure 7
	out=$(tr -d '\r' <<<"$output")
	[[ $out == *"/dev/pts/"* && $out == *"in-tty"* ]] || fail "foreground terminal: $out"
}

@test "terminal: the foreground pty passes newlines as they are (no ONLCR), for run and exec -t" {
	# Our terminal (script's, told -onlcr so that it adds nothing itself) shows exactly
	# what the container's pty sends: runc clears ONLCR on it, so "hi\n" stays "hi\n".
	update_config '.process.terminal = true'
	set_args printf 'hi\n'
	run script -qec "stty -onlcr; $BERTH --root $ROOT run --bundle $BUNDLE $ID" /dev/null
	assert_success
	[[ $(od -An -c <<<"$output" | tr -s ' ') == *"h i \n"* ]] || fail "run: $(od -c <<<"$output")"
	[[ $output != *$'\r'* ]] || fail "run: a carriage return: $(od -c <<<"$output")"

	update_config '.process.terminal = false'
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	run script -qec "stty -onlcr; $BERTH --root $ROOT exec -t $ID printf 'hi\\n'" /dev/null
	assert_success
	[[ $output == *hi* && $output != *$'\r'* ]] || fail "exec -t: $(od -c <<<"$output")"
}

# The pty has the size before the process starts: stty reads it at once.
@test "terminal: the caller's window size reaches the container" {
	update_config '.process.terminal = true'
	set_args stty size
	run script -qec "stty rows 41 cols 123; $BERTH --root $ROOT run --bundle $BUNDLE $ID" /dev/null
	assert_success
	[[ $(tr -d '\r' <<<"$output") == *"41 123"* ]] || fail "window size: $output"
}

@test "terminal: foreground exec -t" {
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	run script -qec "$BERTH --root $ROOT exec -t $ID sh -c 'tty; exit 5'" /dev/null
	assert_failure 5
	[[ $(tr -d '\r' <<<"$output") == *"/dev/pts/"* ]] || fail "exec -t: $output"
	# The size is the pty's before the process runs, not a resize racing with it.
	for _ in 1 2 3; do
		run script -qec "stty rows 29 cols 101; $BERTH --root $ROOT exec -t $ID stty size" /dev/null
		[[ $(tr -d '\r' <<<"$output") == *"29 101"* ]] || fail "window size: $output"
	done
}

@test "terminal: create with process.terminal and no --console-socket fails and leaves nothing" {
	update_config '.process.terminal = true'
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'console-socket'
	run berth state "$ID"
	assert_failure
}

@test "terminal: --console-socket without process.terminal is refused" {
	start_recvtty
	run_detached create --console-socket "$SOCK" --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'terminal'
}

@test "terminal: create with a terminal on the one-runtime path: the pty of the container's devpts, its controlling terminal, stdio and /dev/console, owned by its user" {
	update_config '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'tty; stat -c "owner %u:%g" $(tty); ps -o pid=,tty= | grep "^ *$$ "; ls -l /dev/console; echo fds $(ls /proc/self/fd)'
	start_recvtty
	log=$BATS_TEST_TMPDIR/debug.log
	run_detached --debug --log "$log" --log-format json create --console-socket "$SOCK" --bundle "$BUNDLE" "$ID"
	assert_success
	berth start "$ID"
	wait_recvtty
	out=$(tr -d '\r' <"$TTY_OUT")
	[[ $out == *"/dev/pts/0"* ]] || fail "no pty: $out"
	[[ $out == *"owner 1000:5"* ]] || fail "pty owner: $out"
	grep -Eq '^ *1 +136,0$' <<<"$out" || fail "no controlling terminal: $out"
	grep -Eq '^c.* 136, +0 .*/dev/console' <<<"$out" || fail "/dev/console is not the pty: $out"
	[[ $out == *"fds 0 1 2 3"* && $out != *"fds 0 1 2 3 "* ]] || fail "fds: $out"
	is_runc && return
	assert_one_runtime_path "$log"
}

@test "terminal: exec -t on the one-runtime path: a pty of the container's devpts, the process's controlling terminal and stdio, owned by its user" {
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	start_recvtty
	log=$BATS_TEST_TMPDIR/debug.log
	run berth --debug --log "$log" --log-format json exec -d -t --user 1000:1000 --console-socket "$SOCK" "$ID" \
		sh -c 'tty; stat -c "owner %u:%g" $(tty); ps -o pid=,tty= | grep "^ *$$ "; echo fds $(ls /proc/self/fd)'
	assert_success
	wait_recvtty
	out=$(tr -d '\r' <"$TTY_OUT")
	[[ $out == *"/dev/pts/"* ]] || fail "no pty: $out"
	# The user owns its terminal; the group is devpts' gid=5 (tty).
	[[ $out == *"owner 1000:5"* ]] || fail "pty owner: $out"
	# A controlling terminal: ps shows the pty's device (136,N), not "?".
	grep -Eq '^ *[0-9]+ +136,[0-9]+$' <<<"$out" || fail "no controlling terminal: $out"
	# stdio and ls's own directory fd, nothing of the runtime's.
	[[ $out == *"fds 0 1 2 3"* && $out != *"fds 0 1 2 3 "* ]] || fail "fds: $out"
	is_runc && return
	assert_one_runtime_path "$log"
}

@test "terminal: exec -t where /dev/pts is not a devpts: the runtime opens nothing there, init's path fails cleanly" {
	# The runtime, outside the container's device cgroup, opens only a devpts's own ptmx;
	# here /dev/pts is a tmpfs, so the process is left to init, which finds no pty there.
	update_config '(.mounts[] | select(.destination == "/dev/pts")) |= {destination: "/dev/pts", type: "tmpfs", source: "tmpfs", options: ["nosuid"]}'
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	start_recvtty
	log=$BATS_TEST_TMPDIR/debug.log
	run berth --debug --log "$log" --log-format json exec -d -t --console-socket "$SOCK" "$ID" tty
	assert_failure
	[[ $output == *ptmx* ]] || fail "error: $output"
	# Nothing left running in the container: only its pid 1, this shell and its children.
	run berth exec "$ID" sh -c 'ps -o pid=,ppid=,args= | awk -v me=$$ '"'"'$1 != 1 && $1 != me && $2 != me'"'"''
	assert_success
	assert_equal "$output" "" "processes left in the container"
	is_runc && return
	grep -q "/dev/pts is not the container's devpts" "$log" || fail "path: $(grep path "$log")"
}
