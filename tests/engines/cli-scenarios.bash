# Scenarios that podman and docker share (their command lines agree on these), each one a
# function that podman.bats and docker.bats call from a @test. The engine file provides:
#   eng ARGS...        its client with the lane's private configuration, bounded in time
#   ENG_CLI=(...)      the same command as an array (for the pty driver, which execs it)
#   eng_cgroup ID      a container's cgroup below the v1 hierarchies, e.g. docker/ID
#   eng_rm_force NAME  remove a running container at once (SIGKILL, no grace period)
# and sets ENGINE. Each container gets the test's LANE_MARK in its environment (eng_run).

# eng_run ARGS...: `ENGINE run` with the test's mark.
eng_run() { eng run -e "LANE_MARK=$LANE_MARK" "$@"; }

# eng_id NAME: the full container id.
eng_id() { eng inspect -f '{{.Id}}' "$1"; }

# eng_state NAME FORMAT: a field of inspect, e.g. '{{.State.Status}}'.
eng_state() { eng inspect -f "$2" "$1"; }

# state_is NAME FORMAT VALUE: for wait_until.
state_is() { [[ $(eng_state "$1" "$2") == "$3" ]]; }

# logs_contain NAME TEXT: for wait_until.
logs_contain() { eng logs "$1" 2>&1 | grep -qF -- "$2"; }

# marked_at_least N: at least N processes carry the test's mark.
marked_at_least() { (($(marked_pids "$LANE_MARK" | wc -l) >= $1)); }

# container_cgroup NAME CONTROLLER: the host path of the container's cgroup.
container_cgroup() { echo "/sys/fs/cgroup/$2/$(eng_cgroup "$(eng_id "$1")")"; }

# no_marked_processes: nothing with this test's mark runs any more.
no_marked_processes() {
	local left
	left=$(marked_pids "$LANE_MARK")
	[[ -z $left ]] || fail "processes left: $(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
}

# A container that prints, then exits 7 on SIGTERM: stop must deliver TERM first.
TERM_TRAPPER='echo started; trap "echo got-term; exit 7" TERM; while :; do sleep 0.2; done'

scenario_run_exec_logs_stop_rm() {
	run eng run --rm "$BUSYBOX" sh -c 'echo hello from $(hostname); grep "open files" /proc/self/limits'
	assert_success
	assert_output_contains "hello from"

	eng_run -d --name life "$BUSYBOX" sh -c "$TERM_TRAPPER"
	wait_until 20 "the container's first output" logs_contain life started
	assert_equal "$(eng_state life '{{.State.Status}}')" running status

	run eng exec life sh -c 'echo exec-ok; exit 5'
	assert_failure 5
	assert_output_contains exec-ok
	run eng exec -e FROM_EXEC=yes life sh -c 'echo $FROM_EXEC $LANE_MARK'
	assert_success
	assert_equal "$output" "yes $LANE_MARK" "exec environment"

	run eng stop -t 20 life
	assert_success
	assert_equal "$(eng_state life '{{.State.Status}} {{.State.ExitCode}}')" "exited 7" "state after stop"
	run eng logs life
	assert_output_contains got-term
	run eng rm life
	assert_success
	run eng ps -aq
	assert_equal "$output" "" "containers left"
	no_marked_processes
}

scenario_stop_kills_after_timeout() {
	eng_run -d --name stubborn "$BUSYBOX" sh -c 'trap "" TERM; echo ready; while :; do sleep 0.2; done'
	wait_until 20 "the container's first output" logs_contain stubborn ready
	local start=$SECONDS
	run eng stop -t 2 stubborn
	assert_success
	(((SECONDS - start) < 15)) || fail "stop -t 2 took $((SECONDS - start)) s"
	assert_equal "$(eng_state stubborn '{{.State.ExitCode}}')" 137 "exit code after SIGKILL"
	eng rm stubborn
	no_marked_processes
}

# --pid host: init exits at once and leaves its child behind, in the container's cgroup
# only. Removing the container must end that child, quickly.
scenario_pid_host_orphan() {
	eng_run -d --name orphan --pid host "$BUSYBOX" sh -c 'sleep 1000 & exit 0'
	run eng wait orphan
	assert_success
	assert_equal "$output" 0 "exit code"
	local start=$SECONDS
	run eng rm -f orphan
	assert_success
	(((SECONDS - start) < 10)) || fail "rm -f took $((SECONDS - start)) s"
	wait_until 5 "the orphan to be gone" test -z "$(marked_pids "$LANE_MARK")"
	no_marked_processes
}

# kill of a container without a private pid namespace that has exec -d processes: they
# share its cgroup and must go with it.
scenario_kill_with_exec_processes() {
	eng_run -d --name killme --pid host "$BUSYBOX" sleep 1000
	eng exec -d killme sleep 1001
	eng exec -d killme sh -c 'sleep 1002'
	wait_until 10 "three processes" marked_at_least 3
	run eng kill killme
	assert_success
	# podman's wait takes 20 s here whatever the runtime: its clean-up retries removing the
	# cgroup that the exec processes still hold. It keeps the exec sessions (and their
	# processes) until rm -f.
	run eng wait killme
	assert_success
	assert_equal "$output" 137 "exit code"
	local start=$SECONDS
	run eng rm -f killme
	assert_success
	(((SECONDS - start) < 10)) || fail "rm -f took $((SECONDS - start)) s"
	wait_until 5 "the exec processes to be gone" test -z "$(marked_pids "$LANE_MARK")"
	no_marked_processes
}

# What the -it tests run: docker sets the terminal's size only after the process started,
# so wait (5 s at most) for a size before printing it; ps shows the terminal as the
# shell's controlling one (its device, 136,N, where "?" means none).
SIZED_TERMINAL='i=0; until stty size 2>/dev/null | grep -q "^[1-9]" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
stty size; echo ready; read line; stty size; echo "got:$line"; test -t 0 && echo is-a-tty; ps -o pid=,tty= | grep "^ *$$ "'

# drive_sized_terminal CMD...: CMD (an engine's -it command running $SIZED_TERMINAL) on
# a 30x90 terminal, resized to 40x120 once ready, then a line typed: the container's
# process saw both sizes and the line, on its controlling terminal.
drive_sized_terminal() {
	run "$PTY_DRIVE" --size 30x90 --timeout 50 expect:ready resize:40x120 sleep:1 'send:typed-line\n' -- \
		timeout 45 "$@"
	assert_success
	assert_output_contains "30 90"
	assert_output_contains "got:typed-line"
	assert_output_contains "40 120"
	assert_output_contains is-a-tty
	[[ $output =~ \ 136,[0-9]+ ]] || fail "no controlling terminal: $output"
}

# -it: the container gets a terminal of the caller's size, follows a resize, and reads
# what is typed.
scenario_interactive_terminal() {
	drive_sized_terminal "${ENG_CLI[@]}" run -it --rm -e "LANE_MARK=$LANE_MARK" "$BUSYBOX" sh -c "$SIZED_TERMINAL"
}

# exec -it: the same for a process exec'd into a running container (the runtime's exec -t
# with a console socket, the engines' common interactive path).
scenario_exec_terminal() {
	eng_run -d --name shell "$BUSYBOX" sleep 1000
	drive_sized_terminal "${ENG_CLI[@]}" exec -it shell sh -c "$SIZED_TERMINAL"
	eng_rm_force shell
}

# ticks NAME: how many lines the container's counter has appended. Appending one line is one
# write, so a freeze never leaves a half-written count (a rewritten file can be caught empty,
# between its truncation and its write: the count taken at pause was then "", and no later
# count compared above it).
ticks() { wc -l <"/proc/$(eng_state "$1" '{{.State.Pid}}')/root/tmp/ticks"; }
ticks_above() { (($(ticks "$1") > $2)); }

scenario_pause_unpause() {
	eng_run -d --name frozen "$BUSYBOX" sh -c 'while :; do echo x >>/tmp/ticks; sleep 0.1; done'
	wait_until 10 "the counter" ticks frozen
	run eng pause frozen
	assert_success
	assert_equal "$(eng_state frozen '{{.State.Status}}')" paused status
	assert_equal "$(cat "$(container_cgroup frozen freezer)/freezer.state")" FROZEN "freezer.state"
	local before
	before=$(ticks frozen)
	sleep 0.6
	assert_equal "$(ticks frozen)" "$before" "ticks while paused"
	run eng unpause frozen
	assert_success
	assert_equal "$(eng_state frozen '{{.State.Status}}')" running status
	assert_equal "$(cat "$(container_cgroup frozen freezer)/freezer.state")" THAWED "freezer.state"
	wait_until 5 "ticks after unpause" ticks_above frozen "$before"
	eng_rm_force frozen
}

# update: new limits reach the host's cgroup and the container's own view of it.
scenario_update() {
	eng_run -d --name limits --memory 64m --memory-swap 64m "$BUSYBOX" sleep 1000
	local memcg
	memcg=$(container_cgroup limits memory)
	assert_equal "$(cat "$memcg/memory.limit_in_bytes")" 67108864 "memory limit at start"
	run eng update --memory 96m --memory-swap 96m --cpu-quota 50000 --cpu-period 100000 limits
	assert_success
	assert_equal "$(cat "$memcg/memory.limit_in_bytes")" 100663296 "memory limit after update"
	assert_equal "$(cat "$(container_cgroup limits cpu)/cpu.cfs_quota_us")" 50000 "cpu quota after update"
	run eng exec limits cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	assert_success
	assert_equal "$output" 100663296 "memory limit seen inside"
	eng_rm_force limits
}

scenario_stats_top() {
	eng_run -d --name busy "$BUSYBOX" sh -c 'sleep 1000'
	run eng top busy
	assert_success
	assert_output_contains "sleep 1000"
	run eng stats --no-stream --format '{{.Name}} {{.MemUsage}}' busy
	assert_success
	assert_output_contains "busy "
	[[ $output =~ busy\ [0-9.]+[kKMG]i?B ]] || fail "no memory usage in stats: $output"
	eng_rm_force busy
}

scenario_read_only() {
	run eng_run --rm --read-only --tmpfs /tmp "$BUSYBOX" sh -c 'touch /etc/x; echo "touch=$?"; touch /tmp/x && echo tmp-writable'
	assert_success
	assert_output_contains "Read-only file system"
	assert_output_contains "touch=1"
	assert_output_contains tmp-writable
}

# restart=on-failure:2 restarts a failing container twice, then leaves it exited.
scenario_restart_on_failure() {
	eng_run -d --name flaky --restart on-failure:2 "$BUSYBOX" sh -c 'exit 3'
	wait_until 40 "two restarts and a final exit" state_is flaky '{{.RestartCount}} {{.State.Status}}' "2 exited"
	assert_equal "$(eng_state flaky '{{.State.ExitCode}}')" 3 "exit code"
	eng rm flaky
	# restart=always comes back after its process exits (here the first time only: the
	# file in /tmp stays in the container), but not after stop.
	eng_run -d --name always --restart always "$BUSYBOX" sh -c '[ -e /tmp/again ] && exec sleep 1000; touch /tmp/again; exit 1'
	wait_until 40 "a restart" state_is always '{{.RestartCount}} {{.State.Status}}' "1 running"
	run eng stop -t 1 always
	assert_success
	sleep 2
	assert_equal "$(eng_state always '{{.State.Status}}')" exited "status after stop"
	eng_rm_force always
	no_marked_processes
}

# A memory hog in a 32 MiB container: the kernel kills it, exit 137; the engine's
# OOMKilled is checked by the caller (podman 4.3 cannot report it, see podman.bats).
scenario_oom() {
	run eng_run --name hog --memory 32m --memory-swap 32m "$BUSYBOX" sh -c 'echo start; sleep 0.5; tail /dev/zero'
	assert_failure 137
	assert_equal "$(eng_state hog '{{.State.ExitCode}}')" 137 "exit code"
}
