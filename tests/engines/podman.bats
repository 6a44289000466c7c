#!/usr/bin/env bats
# podman (Debian's 4.3, with conmon) running the runtime under test: `--runtime $BERTH`, and
# runtime_supports_json in a private containers.conf. Private storage (graphroot, runroot),
# tmp_dir, volume path, events log and network config; no network (netns = "none").
# podman has no daemon: conmon monitors each container and runs `podman container cleanup`
# when it exits, with the same private configuration.

load helpers
load cli-scenarios

setup_file() {
	lane_setup_file podman libpod_parent
	# podman's cgroupfs manager puts every conmon into libpod_parent/conmon.
	export ENGINE_CGROUP_KEEP=conmon
	# containers/storage keeps its overlay directory mounted (private) once it has used it.
	export ENGINE_KEEP_MOUNTS="$ENGINE_DIR/storage/overlay"
	local d=$ENGINE_DIR
	mkdir -p "$d/cni" "$d/tmp"
	# Root lacks CAP_SYS_RESOURCE here: podman's own defaults (nofile and nproc of 1048576
	# and more) exceed the hard limits and every create would fail, so ask for less.
	cat >"$d/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=1024:4096", "nproc=2048:4096"]
		netns = "none"
		log_driver = "k8s-file"
		[network]
		network_backend = "cni"
		network_config_dir = "$d/cni"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$d/events.log"
		tmp_dir = "$d/tmp"
		volume_path = "$d/volumes"
		static_dir = "$d/storage/libpod"
		runtime_supports_json = ["berth", "runc", "crun"]
	EOF
	cat >"$d/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$d/storage"
		runroot = "$d/runroot"
	EOF
	echo 'unqualified-search-registries = []' >"$d/registries.conf"
	export CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf \
		CONTAINERS_REGISTRIES_CONF=$d/registries.conf
	eng load -i "$IMAGES_DIR/busybox.tar"
	lane_daemon_started
}

teardown_file() {
	eng rm -af -t 0 >/dev/null 2>&1 || true
	lane_teardown_file
}

setup() { lane_setup; }

teardown() {
	eng rm -af -t 0 >/dev/null 2>&1 || true
	lane_teardown
}

ENG_CLI=(podman --runtime "$BERTH")
eng() { timeout -k 5 "$ENGINE_TIMEOUT" "${ENG_CLI[@]}" "$@"; }
eng_cgroup() { echo "libpod_parent/libpod-$1"; }
# rm -f of a running container: podman would wait 10 s for SIGTERM first.
eng_rm_force() { eng rm -f -t 0 "$@"; }

# podman passes no --root to the runtime (and `--runtime-flag root=` does not reach the
# cleanup process conmon starts), so its containers live in the runtime's default root:
# check there for the ids podman's events log names.
engine_runtime_leftovers() {
	local listed id
	listed=$(timeout 10 "$BERTH" list -q 2>/dev/null) || true
	for id in $(jq -r 'select(.Type == "container") | .ID' "$ENGINE_DIR/events.log" 2>/dev/null | sort -u); do
		grep -qxF "$id" <<<"$listed" && echo "runtime state: $id"
	done
	return 0
}

engine_force_clean() {
	local id
	for id in $(engine_runtime_leftovers | awk '{print $3}'); do
		timeout 10 "$BERTH" delete --force "$id"
	done
}

@test "podman: run, exec, logs, stop (TERM), rm; the configured ulimits" {
	# The runtime under test is the one running the containers (in its default root).
	eng_run -d --name which "$BUSYBOX" sleep 1000
	assert_equal "$(eng_state which '{{.OCIRuntime}}')" "$BERTH" "podman's OCI runtime"
	run timeout 10 "$BERTH" state "$(eng_id which)"
	assert_success
	eng_rm_force which
	scenario_run_exec_logs_stop_rm
	run eng run --rm "$BUSYBOX" grep -E 'open files|processes' /proc/self/limits
	[[ $output =~ open\ files\ +1024\ +4096 ]] || fail "nofile: $output"
	[[ $output =~ processes\ +2048\ +4096 ]] || fail "nproc: $output"
}

@test "podman: init, then start: the created container waits across runtime calls, never as the runtime's binary" {
	# `podman init` is the runtime's `create` alone; `start` comes from another podman.
	eng create --name inited -e "LANE_MARK=$LANE_MARK" "$BUSYBOX" sh -c 'echo started; sleep 1000'
	run eng init inited
	assert_success
	assert_equal "$(eng_state inited '{{.State.Status}}')" initialized "status after init"
	pid=$(eng_state inited '{{.State.Pid}}')
	[[ $pid -gt 0 ]] && kill -0 "$pid" || fail "no waiting process after init: pid $pid"
	# CVE-2019-5736 class: what waits for start, reachable by a container joining its pid
	# namespace, is not the host's runtime binary (berth: a sealed memfd program).
	exe=$(readlink "/proc/$pid/exe")
	[[ $exe != "$(readlink -f "$BERTH")" ]] || fail "the created container waits as the runtime's binary: $exe"
	run eng start inited
	assert_success
	wait_until 20 "the container's first output" logs_contain inited started
	assert_equal "$(eng_state inited '{{.State.Status}} {{.State.Pid}}')" "running $pid" "after start"
	eng_rm_force inited
	no_marked_processes
}

@test "podman: stop of a container that ignores TERM kills it after the timeout" {
	scenario_stop_kills_after_timeout
}

@test "podman: --pid host, init exits leaving an orphan: rm -f is quick and leaves nothing" {
	scenario_pid_host_orphan
}

@test "podman: kill of a --pid host container with exec -d processes ends them all" {
	scenario_kill_with_exec_processes
}

@test "podman: run -it with typed input and window size" {
	scenario_interactive_terminal
}

@test "podman: exec -it with typed input and window size" {
	scenario_exec_terminal
}

@test "podman: pause and unpause" {
	scenario_pause_unpause
	run eng exec frozen true
	assert_failure
}

@test "podman: update memory and cpu" {
	scenario_update
}

@test "podman: stats and top" {
	scenario_stats_top
}

@test "podman: --read-only" {
	scenario_read_only
}

@test "podman: --uidmap/--gidmap: the container runs as the mapped host ids" {
	# --ipc none: podman makes no userdata/shm mount for the container's /dev/shm (with
	# the default or --ipc private it does). Debian's podman 4.3 can leave that mount behind when it removes a
	# user-namespaced container (rm fails: unlinkat userdata/shm EBUSY, a known podman
	# race, containers/podman#11594), which failed two CI runs here; the runtime's calls
	# are the same either way, and ids are what this test is about.
	# An IPC sysctl in a user namespace: only that namespace's root may write it, so
	# berth writes it from init, not from its thread (libcontainer/planuserns.go).
	eng_run -d --name mapped --ipc none --uidmap 0:200000:65536 --gidmap 0:200000:65536 \
		--sysctl kernel.shm_rmid_forced=1 "$BUSYBOX" sleep 1000
	! grep -q "userdata/shm" /proc/self/mountinfo || fail "podman mounted userdata/shm: $(grep userdata/shm /proc/self/mountinfo)"
	run eng exec mapped cat /proc/self/uid_map
	assert_success
	assert_equal "$(echo $output)" "0 200000 65536" "uid_map"
	run eng exec mapped cat /proc/sys/kernel/shm_rmid_forced
	assert_equal "$output" 1 "kernel.shm_rmid_forced inside"
	local pid
	pid=$(eng_state mapped '{{.State.Pid}}')
	assert_equal "$(ps -o uid= -p "$pid" | tr -d ' ')" 200000 "host uid of the container's init"
	run eng exec mapped sh -c 'id -u; stat -c %u /bin/busybox'
	assert_equal "$(echo $output)" "0 0" "uid and file owner inside"
	# The container's own filesystems belong to its root, as when they are mounted from
	# inside the user namespace (berth makes them there, then attaches them from outside):
	# /dev's tmpfs, devpts's root, mqueue's (whose group is the one the IPC namespace was
	# made with: runc 1.1 makes it before its setresgid, which leaves it unmapped).
	run eng exec mapped stat -c %u:%g /dev /dev/pts
	assert_success
	assert_equal "$(echo $output)" "0:0 0:0" "owners of /dev, /dev/pts"
	run eng exec mapped stat -c %u /dev/mqueue
	assert_equal "$output" 0 "owner of /dev/mqueue"
	# An exec as another user, with a terminal: its ids inside, its pty's owner.
	run eng exec -t --user 1000:1000 mapped sh -c 'id -u; id -g; stat -c %u $(tty)'
	assert_success
	assert_equal "$(echo $output | tr -d '\r')" "1000 1000 1000" "exec --user 1000 -t: uid, gid, owner of the pty"
	eng_rm_force mapped
	run eng_run --rm --userns host "$BUSYBOX" cat /proc/self/uid_map
	assert_equal "$(echo $output)" "0 0 4294967295" "--userns host"
}

@test "podman: restart policies" {
	scenario_restart_on_failure
}

@test "podman: healthcheck run through the runtime's exec" {
	eng_run -d --name checked --health-cmd 'test -e /tmp/healthy' --health-interval disable \
		--health-retries 1 "$BUSYBOX" sleep 1000
	run eng healthcheck run checked
	assert_failure
	assert_output_contains unhealthy
	eng exec checked touch /tmp/healthy
	run eng healthcheck run checked
	assert_success
	assert_equal "$(eng_state checked '{{.State.Health.Status}}')" healthy "health"
	eng_rm_force checked
}

# podman 4.3 never reports OOMKilled with Debian's conmon 2.1.6: conmon sees the OOM event of
# the container's memory cgroup and writes the file "oom" into its working directory, which
# podman leaves as its own, while podman looks for it in the bundle (so `podman inspect` says
# false, with runc too). The test runs podman from a directory of its own and checks conmon's
# file: that proves the event came from the cgroup the runtime placed the container in.
@test "podman: OOM kill: exit 137, and conmon saw the cgroup's OOM event" {
	mkdir -p "$BATS_TEST_TMPDIR/cwd"
	cd "$BATS_TEST_TMPDIR/cwd"
	scenario_oom
	[[ -e oom ]] || fail "conmon wrote no oom file: it did not see the OOM event"
	eng rm hog
}
