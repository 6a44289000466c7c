#!/usr/bin/env bats
# create / start / state / kill / delete / run / list, as runc does them.

load helpers

@test "create, start, kill, delete walk through created, running, stopped" {
	set_args sleep 100
	create_container "$ID"

	run berth state "$ID"
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" created status
	pid=$(jq -r .pid <<<"$output")
	[[ $pid -gt 0 ]] || fail "created container has no pid: $output"
	kill -0 "$pid"

	run berth start "$ID"
	assert_success
	wait_for_status "$ID" running
	assert_equal "$(container_pid "$ID")" "$pid" "pid after start"
	# The init process is now the container's program.
	assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 100 " cmdline

	run berth kill "$ID" KILL
	assert_success
	wait_for_status "$ID" stopped

	run berth delete "$ID"
	assert_success
	run berth state "$ID"
	assert_failure
	assert_output_contains "does not exist"
	process_gone "$pid" || fail "init $pid still alive after delete"
}

@test "the created container has not run its program before start" {
	set_args sh -c 'echo started > /ran'
	create_container "$ID"
	sleep 0.3
	[[ ! -e $BUNDLE/rootfs/ran ]] || fail "the program ran before start"
	run berth start "$ID"
	assert_success
	wait_for_status "$ID" stopped
	assert_equal "$(cat "$BUNDLE/rootfs/ran")" started
}

@test "a created container waits as the sealed exec program (not the runtime), and kill TERM ends it" {
	set_args sleep 100
	log=$BATS_TEST_TMPDIR/debug.log
	run_detached --debug --log "$log" --log-format json create --bundle "$BUNDLE" "$ID"
	assert_success
	pid=$(container_pid "$ID")
	if ! is_runc && [[ ${BERTH_NO_PLAN:-} != 1 ]]; then
		# create takes the one-runtime path: no berth init; what waits for start is the
		# sealed memfd program (nsenter/dmz.go), never a copy of the host's binary.
		jq -e -s 'any(.[]; .stage == "spawn init" and .detail == "nsenter plan")' "$log" >/dev/null ||
			fail "create did not take the one-runtime path: $(grep path "$log")"
		exe=$(readlink "/proc/$pid/exe")
		[[ $exe == /memfd:berth-exec* ]] || fail "the created container waits as $exe"
		grep -q '^State:.*S (sleeping)' "/proc/$pid/status" || fail "not waiting: $(grep State "/proc/$pid/status")"
	fi
	assert_equal "$(container_status "$ID")" created
	run berth kill "$ID" TERM
	assert_success
	wait_for_status "$ID" stopped
}

@test "state JSON has the runtime-spec fields" {
	set_args sleep 100
	create_container "$ID"
	run berth state "$ID"
	assert_success
	jq -e --arg id "$ID" --arg bundle "$BUNDLE" '
		(.ociVersion | type == "string" and length > 0) and
		.id == $id and
		.status == "created" and
		(.pid | type == "number" and . > 0) and
		.bundle == $bundle' <<<"$output" >/dev/null || fail "bad state: $output"
	# Annotations from config.json are reported when present.
	berth delete --force "$ID"
	update_config '.annotations = {"org.example.key": "value"}'
	create_container "$ID"
	run berth state "$ID"
	assert_equal "$(jq -r '.annotations["org.example.key"]' <<<"$output")" value annotation
	run berth list --format json
	assert_success
	assert_equal "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .annotations["org.example.key"]' <<<"$output")" value "annotation in list"
}

@test "state of a stopped container has no live pid and says stopped" {
	create_container "$ID"
	run berth start "$ID"
	assert_success
	wait_for_status "$ID" stopped
	run berth state "$ID"
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" stopped
}

@test "run in the foreground returns the container's exit code" {
	set_args sh -c 'exit 0'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success

	set_args sh -c 'exit 42'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure 42
}

@test "run of a container killed by a signal returns 128 + the signal number" {
	# The signal must come from outside: a pid namespace's init ignores signals it has no
	# handler for, even SIGKILL when sent from inside.
	set_args sleep 100
	berth run --bundle "$BUNDLE" "$ID" >/dev/null 2>&1 </dev/null &
	run_pid=$!
	wait_for_status "$ID" running
	berth kill "$ID" KILL
	status=0
	wait "$run_pid" || status=$?
	assert_failure 137

	# Without a pid namespace sleep is not an init, so SIGTERM's default action applies.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	second=$(new_id)
	berth run --bundle "$BUNDLE" "$second" >/dev/null 2>&1 </dev/null &
	run_pid=$!
	wait_for_status "$second" running
	berth kill "$second" TERM
	status=0
	wait "$run_pid" || status=$?
	assert_failure 143
}

@test "run passes the container's stdout and stderr through" {
	set_args sh -c 'echo to-stdout; echo to-stderr >&2'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" to-stdout stdout
	assert_equal "$stderr" to-stderr stderr
}

@test "run removes the container when it exits" {
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	run berth state "$ID"
	assert_failure
	assert_output_contains "does not exist"
}

@test "run -d leaves the container running and returns" {
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(container_status "$ID")" running
	pid=$(container_pid "$ID")
	kill -0 "$pid"
}

@test "delete of a running container is refused without --force and leaves it running" {
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success

	run berth delete "$ID"
	assert_failure
	assert_equal "$(container_status "$ID")" running

	run berth delete --force "$ID"
	assert_success
	run berth state "$ID"
	assert_failure
}

@test "commands on an unknown container fail with 'does not exist'" {
	for cmd in state start delete kill; do
		run berth "$cmd" no-such-container
		assert_failure
		assert_output_contains "does not exist"
	done
}

@test "a duplicate id is refused and the first container is untouched" {
	set_args sleep 100
	create_container "$ID"
	pid=$(container_pid "$ID")

	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "already exists"

	assert_equal "$(container_status "$ID")" created
	assert_equal "$(container_pid "$ID")" "$pid" pid
	run berth start "$ID"
	assert_success
	wait_for_status "$ID" running
}

@test "list shows containers as a table, as JSON and as bare ids" {
	set_args sleep 100
	create_container "$ID"
	second=$(new_id)
	run_detached run -d --bundle "$BUNDLE" "$second"
	assert_success

	run berth list
	assert_success
	[[ ${lines[0]} == ID*PID*STATUS*BUNDLE*CREATED* ]] || fail "bad header: ${lines[0]}"
	grep -qE "^$ID +[0-9]+ +created +$BUNDLE " <<<"$output" || fail "no row for $ID: $output"
	grep -qE "^$second +[0-9]+ +running +$BUNDLE " <<<"$output" || fail "no row for $second: $output"

	run berth list -q
	assert_success
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "$(printf '%s\n' "$ID" "$second" | sort | tr '\n' ' ')" "list -q"

	run berth list --format json
	assert_success
	assert_equal "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' <<<"$output")" created
	assert_equal "$(jq -r --arg id "$second" '.[] | select(.id == $id) | .status' <<<"$output")" running
}

# start_runner_and_execer TRAPPER: a foreground `run` and a foreground `exec` of the shell
# script TRAPPER ($0 is "run" or "exec"), in $runner and $execer once each wrote /ready-$0.
# Not through the berth helper: timeout(1) would get the signals, not berth.
start_runner_and_execer() {
	set_args sh -c "$1" run
	"$BERTH" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	runner=$!
	wait_for_file "$BUNDLE/rootfs/ready-run"
	"$BERTH" --root "$ROOT" exec "$ID" sh -c "$1" exec </dev/null >/dev/null 2>&1 &
	execer=$!
	wait_for_file "$BUNDLE/rootfs/ready-exec"
}

# stop_execer_then_runner: SIGTERM to each (the exec first: the run's end would kill it), whose
# trap exits 3, and both berths end with that status.
stop_execer_then_runner() {
	kill -TERM "$execer"
	status=0
	wait "$execer" || status=$?
	assert_equal "$status" 3 "exec's exit status"
	kill -TERM "$runner"
	status=0
	wait "$runner" || status=$?
	assert_equal "$status" 3 "run's exit status"
}

@test "run and exec in the foreground forward the signals they get to the process" {
	trapper='trap "echo usr1-$0 >> /signal" USR1; trap "echo term-$0 >> /signal; exit 3" TERM
		echo ready > /ready-$0; while :; do sleep 0.1; done'
	start_runner_and_execer "$trapper"
	kill -USR1 "$runner" "$execer"
	stop_execer_then_runner
	for want in usr1-run usr1-exec term-exec term-run; do
		grep -qx "$want" "$BUNDLE/rootfs/signal" || fail "$want missing: $(cat "$BUNDLE/rootfs/signal")"
	done
}

@test "run and exec in the foreground forward real-time signals and SIGPWR too" {
	# Where berth has no handler of its own (signals.go) it catches these once the process
	# runs, and until then the Go runtime drops them: the test sends again until each
	# arrived, and berth must survive.
	trapper='trap "echo rt-$0 >> /signal" 37; trap "echo pwr-$0 >> /signal" PWR
		trap "exit 3" TERM; echo ready > /ready-$0; while :; do sleep 0.1; done'
	start_runner_and_execer "$trapper"
	for who in run exec; do
		pid=$runner
		[[ $who == exec ]] && pid=$execer
		for sig in 37:rt PWR:pwr; do
			for _ in $(seq 50); do
				grep -qx "${sig#*:}-$who" "$BUNDLE/rootfs/signal" 2>/dev/null && break
				kill "-${sig%%:*}" "$pid" || fail "berth $who is gone after signal ${sig%%:*}"
				sleep 0.1
			done
			grep -qx "${sig#*:}-$who" "$BUNDLE/rootfs/signal" || fail "signal ${sig%%:*} never reached the $who process"
		done
	done
	stop_execer_then_runner
}

@test "run catches every signal before the process runs, and forwards it once it runs" {
	# A SIGPWR sent while create is still in its prestart hook: berth catches every signal
	# from the start (its own handler, internal/sigfwd), as runc does, and forwards it once
	# the process runs, which it ends (128 + 30). The host's pid namespace: the first
	# process of a new one would ignore a signal it has no handler for.
	hook=$(jq -n --arg f "$BATS_TEST_TMPDIR/in-hook" '{path: "/bin/sh", args: ["sh", "-c", "touch \($f); sleep 1"]}')
	update_config --argjson h "$hook" '.hooks = {prestart: [$h]} |
		.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]'
	set_args sleep 3
	"$BERTH" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	runner=$!
	wait_for_file "$BATS_TEST_TMPDIR/in-hook"
	kill -PWR "$runner"
	status=0
	wait "$runner" || status=$?
	assert_equal "$status" 158 "run's exit status (SIGPWR forwarded to the process)"
}

@test "kill sends SIGTERM by default" {
	# The trap shows which signal arrived: TERM is the only one that writes "term".
	set_args sh -c 'trap "echo term > /signal; exit 0" TERM; echo ready > /ready; while :; do sleep 0.1; done'
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/ready"
	run berth kill "$ID"
	assert_success
	wait_for_status "$ID" stopped
	assert_equal "$(cat "$BUNDLE/rootfs/signal")" term
}

@test "kill takes a signal by name, by SIG name and by number" {
	set_args sh -c 'trap "echo usr1 >> /signal" USR1; trap "echo hup >> /signal" HUP; trap "echo int >> /signal" INT
		echo ready > /ready; while :; do sleep 0.1; done'
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/ready"

	run berth kill "$ID" USR1
	assert_success
	run berth kill "$ID" SIGHUP
	assert_success
	run berth kill "$ID" 2
	assert_success
	tries=50
	while ((tries-- > 0)) && [[ $(wc -l <"$BUNDLE/rootfs/signal" 2>/dev/null) != 3 ]]; do sleep 0.1; done
	assert_equal "$(sort "$BUNDLE/rootfs/signal" | tr '\n' ' ')" "hup int usr1 " "signals received"

	run berth kill "$ID" NOSUCHSIGNAL
	assert_failure
	assert_equal "$(container_status "$ID")" running
}

@test "kill of a stopped container fails" {
	create_container "$ID"
	run berth start "$ID"
	assert_success
	wait_for_status "$ID" stopped
	run berth kill "$ID" KILL
	assert_failure
}

@test "--pid-file records the init pid for create and run -d" {
	set_args sleep 100
	create_container --pid-file "$BATS_TEST_TMPDIR/create.pid" "$ID"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/create.pid")" "$(container_pid "$ID")" "create --pid-file"

	second=$(new_id)
	run_detached run -d --pid-file "$BATS_TEST_TMPDIR/run.pid" --bundle "$BUNDLE" "$second"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/run.pid")" "$(container_pid "$second")" "run --pid-file"
}

@test "the container's init is placed in a cgroup named after it" {
	set_args sleep 100
	create_container "$ID"
	pid=$(container_pid "$ID")
	grep -q "$ID" "/proc/$pid/cgroup" || fail "not in its own cgroup: $(cat "/proc/$pid/cgroup")"
}

@test "start of a container that is already running fails" {
	set_args sleep 100
	create_container "$ID"
	run berth start "$ID"
	assert_success
	run berth start "$ID"
	assert_failure
	assert_equal "$(container_status "$ID")" running
}

@test "--log with --log-format json writes JSON lines with level, msg and time (as containerd reads them)" {
	log=$BATS_TEST_TMPDIR/berth.log
	run berth --log "$log" --log-format json delete no-such-container
	assert_failure
	line=$(tail -n1 "$log")
	jq -e '.level == "error" and (.msg | test("does not exist")) and (.time | length > 0)' <<<"$line" >/dev/null ||
		fail "not a JSON log line: $line"
	# The text format, and a bad format refused.
	run berth --log "$log" --log-format text delete no-such-container
	assert_failure
	tail -n1 "$log" | grep -q 'level=error msg=".*does not exist' || fail "text log: $(tail -n1 "$log")"
	run --separate-stderr berth --log-format yaml list
	assert_failure
	assert_one_line_error 'log-format'
}

@test "a foreground run adopts the processes its container orphans, unless --no-subreaper" {
	# Without a pid namespace of its own the container has no init to adopt its orphans.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args sh -c '(sleep 30 & echo $! >/tmp/orphan); sleep 0.3
		o=$(cat /tmp/orphan); echo "$(grep PPid /proc/$o/status) $(grep PPid /proc/$$/status)"; kill $o'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	read -r _ orphan_parent _ own_parent <<<"$output"
	assert_equal "$orphan_parent" "$own_parent" "the orphan's parent (the runtime, a subreaper)"

	run berth run --no-subreaper --bundle "$BUNDLE" "$ID"
	assert_success
	read -r _ orphan_parent _ own_parent <<<"$output"
	[[ $orphan_parent != "$own_parent" ]] || fail "adopted by the runtime despite --no-subreaper: $output"
}

@test "run: the container is the same whether create's stages share the runtime's memory or are forked" {
	is_runc && skip "berth's stages"
	# What the stages give the process: signal mask and dispositions (the runtime ignores
	# SIGTTOU and SIGUSR1 here, as a caller may), credentials, fds, namespaces, cgroup.
	set_args sh -c 'grep -E "^(Sig(Blk|Ign)|Cap(Eff|Prm|Bnd)|NoNewPrivs|Seccomp|Uid|Gid|Groups)" /proc/self/status; ls /proc/self/fd; cat /proc/self/cgroup; ls -l /proc/self/ns | sed "s/.*-> //" | wc -l; echo pid $$'
	outs=()
	for fork in "" 1; do
		id=$(new_id)
		run env BERTH_STAGE_FORK=$fork bash -c 'trap "" TTOU USR1; exec "$@"' _ \
			timeout -k 5 "$BERTH_TIMEOUT" "$BERTH" --root "$ROOT" run --bundle "$BUNDLE" "$id"
		assert_success
		outs+=("${output//$id/ID}")
	done
	[[ ${outs[0]} == *"pid 1"* ]] || fail "not the first process of its pid namespace: ${outs[0]}"
	[[ ${outs[0]} == *"SigBlk:	0000000000000000"* ]] || fail "signals blocked: ${outs[0]}"
	assert_equal "${outs[0]}" "${outs[1]}" "what the container sees, shared memory vs forked"
}
