#!/usr/bin/env bats
# dockerd (Debian's docker.io 20.10) running the runtime under test as its default runtime
# (`--add-runtime berth=$BERTH --default-runtime berth`). Private data root, exec root
# (where its runtimes keep their state), socket, pidfile and
# daemon.json; dockerd starts its own containerd child inside the exec root. No bridge and no
# iptables rules: containers get a loopback-only network.
# The client is docker.io's /usr/bin/docker (this image puts a newer client first on PATH).

load helpers
load cli-scenarios

setup_file() {
	lane_setup_file docker docker
	local d=$ENGINE_DIR
	# dockerd writes its trust key to /etc/docker unless daemon.json names another place.
	jq -n --arg key "$d/key.json" '{"deprecated-key-path": $key}' >"$d/daemon.json"
	lane_start_daemon dockerd dockerd --config-file "$d/daemon.json" \
		--data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" --pidfile "$d/docker.pid" \
		--add-runtime "berth=$BERTH" --default-runtime berth \
		--bridge none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
		--userland-proxy=false --storage-driver overlay2 --log-level info
	lane_wait 60 "dockerd to answer" eng version
	eng load -i "$IMAGES_DIR/busybox.tar"
	lane_daemon_started
}

teardown_file() {
	eng_remove_all
	lane_stop_daemon dockerd
	lane_teardown_file
}

setup() { lane_setup; }

teardown() {
	eng_remove_all
	lane_teardown
}

ENG_CLI=(/usr/bin/docker -H "unix://$LANE_DIR/docker/docker.sock")
eng() { timeout -k 5 "$ENGINE_TIMEOUT" "${ENG_CLI[@]}" "$@"; }
eng_cgroup() { echo "docker/$1"; }
eng_rm_force() { eng rm -f "$@"; }
eng_remove_all() {
	local ids
	ids=$(eng ps -aq 2>/dev/null) || return 0
	[[ -z $ids ]] || eng rm -f $ids >/dev/null 2>&1 || true
}

# The runtime's state: dockerd 20.10 gives every runtime added with --add-runtime the root
# EXEC_ROOT/runtime-runc (named after its default runtime), and the shim appends the
# containerd namespace, moby.
runtime_root() { echo "$ENGINE_DIR/exec/runtime-runc/moby"; }
engine_runtime_leftovers() {
	local id
	[[ -d $(runtime_root) ]] || return 0
	for id in $(timeout 10 "$BERTH" --root "$(runtime_root)" list -q 2>/dev/null); do
		echo "runtime state: $id"
	done
	return 0
}
engine_force_clean() {
	local id
	for id in $(timeout 10 "$BERTH" --root "$(runtime_root)" list -q); do
		timeout 10 "$BERTH" --root "$(runtime_root)" delete --force "$id"
	done
}

@test "docker: run, exec, logs, stop (TERM), rm" {
	# The runtime under test is the one running the containers.
	eng_run -d --name which "$BUSYBOX" sleep 1000
	run timeout 10 "$BERTH" --root "$(runtime_root)" state "$(eng_id which)"
	assert_success
	eng_rm_force which
	scenario_run_exec_logs_stop_rm
}

@test "docker: stop of a container that ignores TERM kills it after the timeout" {
	scenario_stop_kills_after_timeout
}

@test "docker: --pid host, init exits leaving an orphan: rm -f is quick and leaves nothing" {
	scenario_pid_host_orphan
}

@test "docker: kill of a --pid host container with exec -d processes ends them all" {
	scenario_kill_with_exec_processes
}

@test "docker: run -it with typed input and window size" {
	scenario_interactive_terminal
}

@test "docker: exec -it with typed input and window size" {
	scenario_exec_terminal
}

@test "docker: pause and unpause" {
	scenario_pause_unpause
}

@test "docker: update memory and cpu" {
	scenario_update
}

# docker top asks the runtime (`ps --format json`) for the container's pids.
@test "docker: stats and top (the runtime's ps)" {
	scenario_stats_top
}

@test "docker: --read-only" {
	scenario_read_only
}

@test "docker: restart policies" {
	scenario_restart_on_failure
}

@test "docker: healthcheck runs through the runtime's exec" {
	eng_run -d --name checked --health-cmd 'test -e /tmp/healthy' --health-interval 1s \
		--health-retries 1 --health-timeout 5s "$BUSYBOX" sleep 1000
	wait_until 30 "unhealthy" state_is checked '{{.State.Health.Status}}' unhealthy
	eng exec checked touch /tmp/healthy
	wait_until 30 "healthy" state_is checked '{{.State.Health.Status}}' healthy
	eng_rm_force checked
}

@test "docker: OOM is reported as OOMKilled, exit 137" {
	scenario_oom
	assert_equal "$(eng_state hog '{{.State.OOMKilled}}')" true OOMKilled
	eng rm hog
}
