#!/usr/bin/env bats
# containerd with ctr: the runc v2 shim running the runtime under test
# (`ctr run --runc-binary $BERTH --runc-root ...`), as the README says for ctr. The private
# containerd has the CRI plugin disabled (cri.bats runs its own). Containers live in the
# namespace berth-lane; ctr's default cgroup for them is /berth-lane/ID.

load helpers
load cli-scenarios
load containerd

NS=berth-lane

setup_file() {
	lane_setup_file ctr "$NS"
	containerd_start no-cri
	containerd_import "$NS" "$IMAGES_DIR/busybox.tar"
	lane_daemon_started
}

teardown_file() {
	ctr_remove_all
	containerd_stop
	lane_teardown_file
}

setup() { lane_setup; }

teardown() {
	ctr_remove_all
	lane_teardown
}

c() { timeout -k 5 "$ENGINE_TIMEOUT" ctr --address "$CONTAINERD_SOCK" -n "$NS" "$@"; }

# cr ARGS... IMAGE ID [CMD...]: ctr run with the runtime under test and the test's mark.
# ctr's FIFOs for the task's stdio go to /run/containerd/fifo unless told otherwise.
cr() {
	c run --runc-binary "$BERTH" --runc-root "$ENGINE_DIR/runtime-root" --fifo-dir "$ENGINE_DIR/fifo" \
		--env "LANE_MARK=$LANE_MARK" "$@"
}
CTR_CLI=(ctr --address "$LANE_DIR/ctr/containerd.sock" -n "$NS" run --runc-binary "$BERTH"
	--runc-root "$LANE_DIR/ctr/runtime-root" --fifo-dir "$LANE_DIR/ctr/fifo")
# ce ARGS...: ctr task exec.
ce() { c task exec --fifo-dir "$ENGINE_DIR/fifo" "$@"; }

ctr_remove_all() {
	local id
	for id in $(c task ls -q 2>/dev/null); do
		c task kill -a -s KILL "$id" >/dev/null 2>&1 || true
		c task delete -f "$id" >/dev/null 2>&1 || true
	done
	for id in $(c container ls -q 2>/dev/null); do
		c container delete "$id" >/dev/null 2>&1 || true
	done
}
engine_runtime_leftovers() { containerd_runtime_leftovers; }
engine_force_clean() { containerd_force_clean; }

# task_status_is ID STATUS: `ctr task ls` says so.
task_status_is() { [[ $(c task ls | awk -v id="$1" '$1 == id { print $3 }') == "$2" ]]; }
log_has() { grep -qF -- "$2" "$1"; }
# host_pidns: the host's pid namespace as a path to join (pid 1's is not readable here).
host_pidns() { echo "/proc/$(cat "$ENGINE_DIR/containerd.pid")/ns/pid"; }
cgroup_of() { echo "/sys/fs/cgroup/$2/$NS/$1"; }

@test "ctr: run, task exec, logs, kill (TERM), task delete, container delete" {
	run cr --rm "$BUSYBOX" once sh -c 'echo hello from $(hostname); echo $LANE_MARK'
	assert_success
	assert_output_contains "hello from"
	assert_output_contains "$LANE_MARK"

	local log=$BATS_TEST_TMPDIR/life.log
	cr -d --log-uri "file://$log" "$BUSYBOX" life sh -c "$TERM_TRAPPER"
	wait_until 20 "the container's first output" log_has "$log" started
	# The runtime under test is the one running it, with the private root.
	run timeout 10 "$BERTH" --root "$ENGINE_DIR/runtime-root/$NS" state life
	assert_success
	run ce --exec-id probe life sh -c 'echo exec-ok; exit 5'
	assert_failure 5
	assert_output_contains exec-ok
	run c task kill life
	assert_success
	wait_until 20 "the task to stop" task_status_is life STOPPED
	log_has "$log" got-term || fail "no got-term in the log: $(cat "$log")"
	run c task delete life
	assert_success
	assert_output_contains "exit code 7"
	run c container delete life
	assert_success
	assert_equal "$(c task ls -q) $(c container ls -q)" " " "tasks and containers left"
	no_marked_processes
}

# After a task exited, `ctr task delete -f` has the shim kill (--all) and then delete it: the
# kill must say the container is not running, in words containerd recognises.
@test "ctr: task delete -f of a task that already exited" {
	cr -d "$BUSYBOX" done sh -c 'exit 3'
	wait_until 20 "the task to stop" task_status_is done STOPPED
	run c task delete -f done
	assert_success
	assert_equal "$(grep -v 'exit with non-zero exit code 3' <<<"$output")" "" "task delete -f output"
	run c task ls -q
	assert_equal "$output" "" "tasks left"
	c container delete done
}

@test "ctr: host pid namespace, init exits leaving an orphan: task delete ends it" {
	cr -d --with-ns "pid:$(host_pidns)" "$BUSYBOX" orphan sh -c 'sleep 1000 & exit 0'
	wait_until 20 "the task to stop" task_status_is orphan STOPPED
	local start=$SECONDS
	run c task delete orphan
	assert_success
	(((SECONDS - start) < 10)) || fail "task delete took $((SECONDS - start)) s"
	wait_until 5 "the orphan to be gone" test -z "$(marked_pids "$LANE_MARK")"
	c container delete orphan
}

# The shim sees init exit in a container without its own pid namespace and runs
# `RUNTIME kill --all ID 9` for what is left: the exec processes must go with it.
@test "ctr: kill of a host-pid container with exec -d processes ends them all" {
	cr -d --with-ns "pid:$(host_pidns)" "$BUSYBOX" killme sleep 1000
	ce -d --exec-id e1 killme sleep 1001
	ce -d --exec-id e2 killme sh -c 'sleep 1002'
	wait_until 10 "three processes" marked_at_least 3
	run c task kill -s KILL killme
	assert_success
	wait_until 20 "the task to stop" task_status_is killme STOPPED
	wait_until 10 "the exec processes to be gone" test -z "$(marked_pids "$LANE_MARK")"
	run c task delete killme
	assert_success
	assert_output_contains "exit code 137"
	c container delete killme
}

@test "ctr: run -t with typed input and window size" {
	drive_sized_terminal "${CTR_CLI[@]}" -t --rm --env "LANE_MARK=$LANE_MARK" "$BUSYBOX" tty1 sh -c "$SIZED_TERMINAL"
}

@test "ctr: task exec -t with typed input and window size" {
	cr -d "$BUSYBOX" shell sleep 1000
	drive_sized_terminal ctr --address "$CONTAINERD_SOCK" -n "$NS" task exec -t --fifo-dir "$ENGINE_DIR/fifo" \
		--exec-id tty1 shell sh -c "$SIZED_TERMINAL"
}

@test "ctr: task pause and resume" {
	local log=$BATS_TEST_TMPDIR/frozen.log
	cr -d --log-uri "file://$log" "$BUSYBOX" frozen sh -c 'while :; do echo tick; sleep 0.1; done'
	wait_until 10 "ticks" log_has "$log" tick
	run c task pause frozen
	assert_success
	wait_until 10 "PAUSED" task_status_is frozen PAUSED
	assert_equal "$(cat "$(cgroup_of frozen freezer)/freezer.state")" FROZEN freezer.state
	local before
	before=$(wc -l <"$log")
	sleep 0.6
	assert_equal "$(wc -l <"$log")" "$before" "lines while paused"
	run c task resume frozen
	assert_success
	wait_until 10 "RUNNING" task_status_is frozen RUNNING
	wait_until 5 "ticks after resume" test "$(wc -l <"$log")" -gt "$before"
}

# ctr task ps asks the runtime (`ps --format json`); metrics come from the cgroup.
@test "ctr: task ps (the runtime's ps) and metrics" {
	cr -d "$BUSYBOX" busy sh -c 'sleep 1000 & sleep 1001'
	wait_until 10 "two processes" marked_at_least 2
	run c task ps busy
	assert_success
	local pid
	for pid in $(marked_pids "$LANE_MARK"); do
		assert_output_contains "$pid"
	done
	run c task metrics busy
	assert_success
	assert_output_contains memory.usage_in_bytes
	assert_output_contains pids.current
}

@test "ctr: run --read-only" {
	run cr --rm --read-only "$BUSYBOX" ro sh -c 'touch /etc/x; echo "touch=$?"'
	assert_success
	assert_output_contains "Read-only file system"
	assert_output_contains "touch=1"
}

# containerd watches the task's memory cgroup and publishes /tasks/oom.
@test "ctr: OOM kill: exit 137 and containerd's /tasks/oom event" {
	local events=$BATS_TEST_TMPDIR/events
	timeout 60 ctr --address "$CONTAINERD_SOCK" events >"$events" 2>&1 &
	local watcher=$!
	sleep 0.5
	run cr --rm --memory-limit 33554432 "$BUSYBOX" hog sh -c 'sleep 0.5; tail /dev/zero'
	assert_failure 137
	wait_until 10 "the oom event" log_has "$events" /tasks/oom
	kill "$watcher"
	wait "$watcher" || true
}
