# Shared set-up for the real-engines lane (tests/engines/*.bats; run.sh runs them all).
#
# One file per engine. Its setup_file starts that engine's daemon with private roots, state,
# sockets and config under $LANE_DIR/ENGINE, with the runtime under test ($BERTH) plugged in
# the way users do; its teardown_file stops the daemon by pid and fails if anything is left on
# the host. Every test's teardown removes what the engine still has and fails the test if a
# process, cgroup, mount or runtime state of its containers is left.
#
# Container processes carry LANE_MARK=<this test> in their environment (the engines' wrappers
# add it), which is how leftovers are found without touching anything the lane did not start.

load ../integration/helpers
load reap

LANE_DIR=${ENGINES_DIR:-$REPO_ROOT/_build/engines}
IMAGES_DIR=$LANE_DIR/images
BUSYBOX=localhost/busybox:berth
PAUSE=localhost/pause:berth
# Every engine command is bounded, so a hang fails one test instead of the lane.
ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-60}
PTY_DRIVE=$BATS_TEST_DIRNAME/pty-drive.py
PATH=$REPO_ROOT/_build/bin:$PATH

# Paths the engines create on the host whatever their configuration says (hard-coded in
# them): each must be gone again after the lane, unless it was there before.
HOST_PATHS=(
	/run/containerd/s        # containerd 1.6 shim sockets
	/run/containerd/runc     # the runc shim's default runtime root
	/run/containerd/fifo     # ctr's default FIFO directory
	/run/containerd
	/run/docker/plugins      # dockerd's plugin discovery directory
	/run/docker
	/var/lib/cni/results     # libcni's result cache (CRI)
	/var/lib/cni
	/run/libpod              # podman's defaults, which the lane's config must override
	/run/containers
	/etc/docker/key.json     # dockerd's trust key, unless daemon.json moves it
	/run/berth               # the runtimes' default roots, which podman uses (it passes
	/run/runc                #   no --root): empty again once its containers are gone
)
# Caches the engines always write on the host (no setting moves them): removed afterwards
# with what is in them, unless they were there before.
HOST_CACHES=(
	/var/lib/containers/cache # containers/image's blob info cache (podman load), for root
	/var/lib/containers
)

# lane_setup_file ENGINE CGROUP_PARENT...: a fresh private directory for ENGINE, after
# stopping whatever an earlier, interrupted run of the lane left running there. The cgroup
# parents are where the engine puts its containers (names below each hierarchy).
lane_setup_file() {
	ENGINE=$1
	shift
	ENGINE_DIR=$LANE_DIR/$ENGINE
	ENGINE_CGROUP_PARENTS=("$@")
	lane_reap "$ENGINE_DIR" "berth-lane-$ENGINE-"
	rm -rf --one-file-system "$ENGINE_DIR"
	mkdir -p "$ENGINE_DIR" "$LANE_DIR/logs"
	local p existed=()
	for p in "${HOST_PATHS[@]}" "${HOST_CACHES[@]}"; do
		[[ -e $p ]] && existed+=("$p")
	done
	for p in "${ENGINE_CGROUP_PARENTS[@]}"; do
		compgen -G "/sys/fs/cgroup/*/$p" >/dev/null && existed+=("cgroup:$p")
	done
	HOST_PATHS_BEFORE=" ${existed[*]} "
	ENGINE_KEEP_PIDS=""
	ENGINE_BASE_MOUNTS=""
	export ENGINE ENGINE_DIR HOST_PATHS_BEFORE ENGINE_KEEP_PIDS ENGINE_BASE_MOUNTS
	export ENGINE_CGROUP_PARENTS_LIST="${ENGINE_CGROUP_PARENTS[*]}"
}

# lane_start_daemon NAME CMD...: start a daemon in its own session, output to its log,
# pid in $ENGINE_DIR/NAME.pid.
lane_start_daemon() {
	local name=$1
	shift
	setsid "$@" >>"$LANE_DIR/logs/$ENGINE-$name.log" 2>&1 </dev/null &
	echo $! >"$ENGINE_DIR/$name.pid"
}

# lane_wait SECONDS WHAT CMD...: poll CMD until it succeeds.
lane_wait() {
	local seconds=$1 what=$2
	local deadline=$((SECONDS + seconds))
	shift 2
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || fail "timed out after $seconds s waiting for $what"
		sleep 0.2
	done
}

# lane_daemon_started: remember what the running daemons hold (their pids and those of
# their children, their mounts) so that the leftover checks do not count it.
lane_daemon_started() {
	local f pid pids=()
	for f in "$ENGINE_DIR"/*.pid; do
		[[ -f $f ]] || continue
		pid=$(cat "$f")
		pids+=("$pid" $(pgrep -P "$pid" || true))
	done
	ENGINE_KEEP_PIDS=" ${pids[*]} "
	ENGINE_BASE_MOUNTS=$(mounts_under "$ENGINE_DIR" | tr '\n' ' ')
	export ENGINE_KEEP_PIDS ENGINE_BASE_MOUNTS
}

# lane_stop_daemon NAME: SIGTERM by pid, SIGKILL after 30 s.
lane_stop_daemon() {
	local f=$ENGINE_DIR/$1.pid pid
	[[ -f $f ]] || return 0
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null || true
	local tries=300
	while ((tries-- > 0)) && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$1 (pid $pid) ignored SIGTERM for 30 s: killed" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

# engine_cgroups: the cgroup directories below the engine's parents, in every hierarchy,
# deepest first. ENGINE_CGROUP_KEEP names (a regex on the basename) the engine's own.
engine_cgroups() {
	local p
	for p in $ENGINE_CGROUP_PARENTS_LIST; do
		find /sys/fs/cgroup/*/"$p" -mindepth 1 -depth -type d 2>/dev/null
	done | { if [[ -n ${ENGINE_CGROUP_KEEP:-} ]]; then grep -vE "/$ENGINE_CGROUP_KEEP\$" || true; else cat; fi; }
}

# lane_leftovers MARK: what is left on the host of the lane's containers (nothing means
# clean): processes (marked ones, and any started from the engine's directory other than the
# daemons), mounts below that directory beyond the daemons' own, cgroups below the engine's
# parents with processes in them, and the runtime state that engine_runtime_leftovers (each
# file's own) reports.
lane_leftovers() {
	local mark=$1 pid cg
	for pid in $(marked_pids "$mark"); do
		echo "process: $pid $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)"
	done
	for pid in $(pgrep -f -- "$ENGINE_DIR/"); do
		[[ $ENGINE_KEEP_PIDS == *" $pid "* || $pid == "$$" || $pid == "$BASHPID" ]] && continue
		echo "process: $pid $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)"
	done
	local m
	for m in $(mounts_under "$ENGINE_DIR"); do
		[[ " $ENGINE_BASE_MOUNTS ${ENGINE_KEEP_MOUNTS:-} " == *" $m "* ]] || echo "mount: $m"
	done
	while read -r cg; do
		[[ -n $cg ]] && echo "cgroup: $cg"
	done < <(engine_cgroups)
	local p
	for p in $ENGINE_CGROUP_PARENTS_LIST; do
		for cg in /sys/fs/cgroup/*/"$p"; do
			[[ -s $cg/cgroup.procs ]] && echo "processes in $cg: $(tr '\n' ' ' <"$cg/cgroup.procs")"
		done
	done
	engine_runtime_leftovers
}

# lane_setup: every test's mark.
lane_setup() {
	LANE_MARK=berth-lane-$ENGINE-$BATS_TEST_NUMBER-$RANDOM
	# Engines may write files into their working directory (conmon does): not the repo.
	cd "$BATS_TEST_TMPDIR"
}

# lane_teardown: after the file's own clean-up through the engine: fail the test if
# anything of it is left, after removing it so the next test starts clean.
lane_teardown() {
	local left tries=25
	# Processes killed just now may take a moment to leave /proc and their cgroups.
	while left=$(lane_leftovers "$LANE_MARK") && [[ -n $left ]] && ((tries-- > 0)); do
		sleep 0.2
	done
	[[ -z $left ]] && return 0
	lane_force_clean
	fail "left behind after the engine removed the test's containers:"$'\n'"$left"
}

# lane_force_clean: kill marked processes and those in the engine's cgroups, delete the
# runtime state left, kill the monitors left (shims, conmon: whatever was started from the
# engine's directory but the daemons), then remove the cgroups. The daemons keep running, so
# that one failure does not spoil the tests after it.
lane_force_clean() {
	local pid
	for pid in $(marked_pids "berth-lane-$ENGINE-") $(engine_cgroups | sed 's|$|/cgroup.procs|' | xargs -r cat 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null || true
	done
	engine_force_clean 2>/dev/null || true
	for pid in $(pgrep -f -- "$ENGINE_DIR/"); do
		[[ $ENGINE_KEEP_PIDS == *" $pid "* || $pid == "$$" || $pid == "$BASHPID" ]] && continue
		kill -9 "$pid" 2>/dev/null || true
	done
	local tries=50
	while ((tries-- > 0)) && [[ -n $(engine_cgroups) ]]; do
		engine_cgroups | xargs -r rmdir 2>/dev/null || sleep 0.1
	done
}

# lane_teardown_file: after the daemons were stopped: report and remove anything left
# (processes, mounts, cgroups and their parents, host paths the engine created).
lane_teardown_file() {
	ENGINE_KEEP_PIDS=""
	local left p
	left=$(lane_leftovers "berth-lane-$ENGINE-")
	lane_force_clean
	lane_reap "$ENGINE_DIR" "berth-lane-$ENGINE-"
	# The parents themselves, when the lane created them (processes just killed may hold
	# them for a moment).
	for p in $ENGINE_CGROUP_PARENTS_LIST; do
		[[ $HOST_PATHS_BEFORE == *" cgroup:$p "* ]] && continue
		remove_cgroup_tree "$p" || left+=$'\n'"cgroup parent not removable: $p"
	done
	for p in "${HOST_PATHS[@]}"; do
		[[ $HOST_PATHS_BEFORE == *" $p "* || ! -e $p ]] && continue
		if [[ -f $p ]]; then
			left+=$'\n'"host file created: $p"
			rm -f "$p"
			continue
		fi
		[[ -z $(ls -A "$p") ]] || left+=$'\n'"host directory created and not empty: $p: $(ls -A "$p" | head -5 | tr '\n' ' ')"
		# The lane made it: what is left are the sockets of shims it killed.
		remove_stale_sockets "$p"
		rmdir "$p" 2>/dev/null || true
	done
	for p in "${HOST_CACHES[@]}"; do
		[[ $HOST_PATHS_BEFORE == *" $p "* ]] || rm -rf --one-file-system "$p"
	done
	# Keep the logs, drop the storage.
	rm -rf --one-file-system "$ENGINE_DIR"
	[[ -z ${left//$'\n'/} ]] || fail "left on the host after $ENGINE stopped:"$'\n'"$left"
}

# Assertions on what engines print.

# wait_until SECONDS WHAT CMD...: poll CMD (a command or a shell function) until it succeeds.
wait_until() { lane_wait "$@"; }

# cgroup_file CONTROLLER PATH FILE: a value from the host's view of a container cgroup.
cgroup_value() { cat "/sys/fs/cgroup/$1/$2/$3"; }
