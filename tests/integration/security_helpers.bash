# Helpers shared by the security-*.bats attack files (one file per class, see
# docs/security.md).

# hold_exec_init ID ARGS...: start `berth exec ARGS` in ID in the background with its
# init held frozen in a v1 freezer sub-cgroup of the container's, so a test can look at
# exec's init while it runs. Sets HELD_PID (init's pid), HELD_EXEC (the exec command's
# pid) and HELD_CG; release_exec_init thaws it and waits for the exec. Skips without a
# v1 freezer (on cgroup v2, stage 1 would be born frozen, before init exists).
hold_exec_init() {
	local id=$1 init rel tries=100
	shift
	[[ -d /sys/fs/cgroup/freezer ]] || skip "needs the v1 freezer to hold exec's init"
	init=$(container_pid "$id")
	rel=$(awk -F: '$2 == "freezer" { print $3 }' "/proc/$init/cgroup")
	HELD_CG=/sys/fs/cgroup/freezer$rel/held-exec
	mkdir "$HELD_CG"
	echo FROZEN >"$HELD_CG/freezer.state"
	berth exec --cgroup freezer:held-exec "$id" "$@" >"$BATS_TEST_TMPDIR/held.out" 2>&1 &
	HELD_EXEC=$!
	while ((tries-- > 0)) && [[ -z $(cat "$HELD_CG/cgroup.procs") ]]; do sleep 0.1; done
	HELD_PID=$(head -n1 "$HELD_CG/cgroup.procs")
	[[ -n $HELD_PID ]] || fail "exec's init never reached the frozen cgroup"
}

# hold_exec_stage ID ARGS...: start `berth exec ARGS` in ID in the background under a
# tracer that holds the first process created in the container's pid namespace,
# stopped before its first instruction and no longer traced: on the one-runtime path
# the last raw stage, a copy of the runtime until it executes the exec program (init's
# path holds init with hold_exec_init). Sets HELD_PID and HELD_EXEC like it;
# release_exec_init lets it go on.
hold_exec_stage() {
	local id=$1 ns tries=100
	shift
	ns=$(readlink "/proc/$(container_pid "$id")/ns/pid")
	HELD_FILE=$BATS_TEST_TMPDIR/held.pid
	"$REPO_ROOT/tests/integration/testdata/trace-new-processes.py" --hold "$ns" "$HELD_FILE" \
		"$BERTH" --root "$ROOT" exec "$id" "$@" >"$BATS_TEST_TMPDIR/held.out" 2>&1 </dev/null &
	HELD_EXEC=$!
	while ((tries-- > 0)) && [[ ! -s $HELD_FILE ]]; do sleep 0.1; done
	HELD_PID=$(cat "$HELD_FILE" 2>/dev/null)
	[[ -n $HELD_PID ]] || fail "no process of the exec appeared in the container's pid namespace"
}

# release_exec_init: let the held exec go on (thawed, or continued) and wait for it; its
# output is in $output.
release_exec_init() {
	if [[ -n ${HELD_CG:-} ]]; then
		echo THAWED >"$HELD_CG/freezer.state"
	else
		kill -CONT "$HELD_PID"
	fi
	status=0
	wait "$HELD_EXEC" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/held.out")
}

# fd_targets PID: what the process's fds point to, one per line ("N -> target").
fd_targets() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		echo "${fd##*/} -> $(readlink "$fd")"
	done
}

# teardown: a held exec is thawed first (delete cannot kill a frozen process), then
# the usual teardown of helpers.bash runs.
eval "helpers_teardown() $(declare -f teardown | tail -n +2)"
teardown() {
	if [[ -n ${HELD_CG:-} && -d $HELD_CG ]]; then
		echo THAWED >"$HELD_CG/freezer.state" 2>/dev/null || true
	fi
	if [[ -n ${HELD_FILE:-} && -n ${HELD_PID:-} ]]; then
		kill -CONT "$HELD_PID" 2>/dev/null || true
	fi
	helpers_teardown
}
