#!/usr/bin/env bats
# Timer slack: berth lets the Go runtime's monitor thread sleep in 4 ms steps
# (internal/timerslack), and threads that monitor makes inherit that; every process berth
# starts must still get the caller's slack, as with runc: the container's processes
# (through the plan, through `berth init`, exec'd ones) and the host's hooks.

load helpers

SLACK=1234567

setup() {
	berth_setup
	# This test's shell, and so the runtime it starts, gets a slack no default has.
	echo "$SLACK" >"/proc/$BASHPID/timerslack_ns"
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
	chmod 0777 "$OUT"
}

# slack_hook FILE: a hook that writes its own timer slack to FILE.
slack_hook() {
	jq -n --arg f "$1" '{path: "/bin/sh", args: ["sh", "-c", "cat /proc/self/timerslack_ns > \($f)"]}'
}

@test "timer slack: the container (one-runtime path), an exec'd process and host hooks get the caller's" {
	update_config --argjson pre "$(slack_hook "$OUT/prestart")" --argjson post "$(slack_hook "$OUT/poststart")" \
		'.hooks = {prestart: [$pre], poststart: [$post]}'
	set_args sh -c 'cat /proc/self/timerslack_ns > /slack; sleep 100'
	if is_runc; then
		run_detached run -d --bundle "$BUNDLE" "$ID"
	else
		run_detached --debug --log "$BATS_TEST_TMPDIR/log" --log-format json run -d --bundle "$BUNDLE" "$ID"
	fi
	assert_success
	is_runc || [[ -n ${BERTH_NO_PLAN:-} ]] || assert_one_runtime_path "$BATS_TEST_TMPDIR/log"
	assert_equal "$(read_written "$BUNDLE/rootfs/slack")" "$SLACK"
	assert_equal "$(read_written "$OUT/prestart")" "$SLACK"
	assert_equal "$(read_written "$OUT/poststart")" "$SLACK"
	run berth exec "$ID" cat /proc/self/timerslack_ns
	assert_success
	assert_equal "$output" "$SLACK"
}

@test "timer slack: a container started through berth init gets the caller's" {
	# A startContainer hook runs in the container: only `berth init` can run it.
	update_config --argjson h "$(slack_hook /hook-slack)" '.hooks = {startContainer: [$h]}'
	set_args sh -c 'cat /proc/self/timerslack_ns > /slack'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(cat "$BUNDLE/rootfs/slack")" "$SLACK"
	assert_equal "$(cat "$BUNDLE/rootfs/hook-slack")" "$SLACK"
}

@test "timer slack: berth's monitor thread alone sleeps in 4 ms steps" {
	is_runc && skip "berth's own runtime threads"
	set_args sleep 100
	"$BERTH" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	cli=$!
	on_teardown "kill $cli 2>/dev/null; wait $cli 2>/dev/null"
	wait_for_status "$ID" running
	local slow=0 tid s
	for tid in $(ls "/proc/$cli/task"); do
		s=$(cat "/proc/$tid/timerslack_ns")
		if [[ $tid == "$cli" ]]; then
			assert_equal "$s" "$SLACK"
		elif [[ $s == 4000000 ]]; then
			slow=$((slow + 1))
		else
			assert_equal "$s" "$SLACK"
		fi
	done
	# sysmon, and any thread it made for the P it took back.
	((slow >= 1)) || fail "no thread of berth (pid $cli) sleeps in 4 ms steps"
	berth kill "$ID" KILL
	wait "$cli" || true
}
