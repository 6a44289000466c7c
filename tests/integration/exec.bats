#!/usr/bin/env bats
# berth exec: another process in a running container, in all of its namespaces (user and
# pid included), its cgroups and its root, with runc's flags and exit codes.

load helpers

# start_sleeper [ID]: a detached container running sleep, ready for exec.
start_sleeper() {
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "${1:-$ID}"
	[[ $status -eq 0 ]] || fail "run -d failed ($status): $output"
}

@test "exec: exit codes, 128+N when killed by a signal" {
	start_sleeper
	run berth exec "$ID" true
	assert_success
	run berth exec "$ID" sh -c 'exit 3'
	assert_failure 3
	run berth exec "$ID" sh -c 'kill -9 $$'
	assert_failure 137
}

@test "exec: env, user, additional gids and cwd from the flags" {
	start_sleeper
	run berth exec --env FOO=bar --user 1000:1001 --additional-gids 7 --additional-gids 8 --cwd /tmp "$ID" \
		sh -c 'echo "foo=$FOO"; id -u; id -g; id -G; pwd'
	assert_success
	assert_equal "$output" "$(printf 'foo=bar\n1000\n1001\n1001 7 8\n/tmp')"
}

@test "exec: a repeated flag's value is taken whole, commas included (as runc)" {
	start_sleeper
	run berth exec --env LIST=a,b,c --env OTHER=3 "$ID" sh -c 'echo "$LIST $OTHER"'
	assert_success
	assert_equal "$output" "a,b,c 3"
}

@test "exec: the container's own env and cwd are the defaults" {
	update_config '.process.cwd = "/etc" | .process.env += ["FROMCONFIG=yes"]'
	start_sleeper
	run berth exec "$ID" sh -c 'echo $FROMCONFIG; pwd'
	assert_success
	assert_equal "$output" "$(printf 'yes\n/etc')"
}

@test "exec: --process runs a runtime-spec process file" {
	start_sleeper
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'JSON'
	{"args": ["sh", "-c", "echo from-process-file; id -u; pwd; echo $X"], "cwd": "/dev",
	 "env": ["PATH=/bin", "X=y"], "user": {"uid": 42, "gid": 42}}
	JSON
	run berth exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	assert_success
	assert_equal "$output" "$(printf 'from-process-file\n42\n/dev\ny')"
}

@test "exec: a bad process file names the field at fault" {
	start_sleeper
	echo '{"args": ["true"], "cwd": "relative"}' >"$BATS_TEST_TMPDIR/process.json"
	run --separate-stderr berth exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	assert_failure
	assert_one_line_error 'process\.cwd'
}

@test "exec: -d returns at once and --pid-file names a process of the container" {
	start_sleeper
	run_detached exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 1000
	assert_success
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	init=$(container_pid "$ID")
	for ns in pid mnt net uts ipc; do
		assert_equal "$(readlink /proc/$pid/ns/$ns)" "$(readlink /proc/$init/ns/$ns)" "$ns namespace of the exec'd process"
	done
	assert_equal "$(cat /proc/$pid/cgroup)" "$(cat /proc/$init/cgroup)" "cgroups of the exec'd process"
}

@test "exec: the process is in every namespace of init and sees its pid namespace" {
	update_config '.linux.namespaces += [{"type": "time"}]'
	start_sleeper
	init=$(container_pid "$ID")
	run berth exec "$ID" sh -c 'for n in pid_for_children mnt net uts ipc cgroup time; do readlink /proc/self/ns/$n; done; echo pid1=$(cat /proc/1/comm)'
	assert_success
	want=""
	for n in pid_for_children mnt net uts ipc cgroup time; do want+="$(readlink /proc/$init/ns/$n)"$'\n'; done
	assert_equal "$output" "${want}pid1=sleep"
}

@test "exec: into a container with a user namespace" {
	update_config '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	chown -R 200000:200000 "$BUNDLE/rootfs"
	start_sleeper
	init=$(container_pid "$ID")
	run berth exec "$ID" sh -c 'readlink /proc/self/ns/user; cat /proc/self/uid_map; id -u; grep CapEff /proc/self/status'
	assert_success
	assert_output_contains "$(readlink /proc/$init/ns/user)"
	assert_output_contains "200000"
	[[ ${lines[2]} == 0 ]] || fail "not root inside: $output"
	assert_output_not_contains "CapEff:	0000000000000000"
	run berth exec --user 1000 "$ID" id -u
	assert_success
	assert_equal "$output" 1000
}

@test "exec: into a container that joined another container's pid namespace" {
	start_sleeper
	init=$(container_pid "$ID")
	second=$BATS_TEST_TMPDIR/second
	make_bundle "$second"
	BUNDLE=$second update_config --arg p "/proc/$init/ns/pid" \
		'.linux.namespaces = [.linux.namespaces[] | if .type == "pid" then .path = $p else . end]'
	BUNDLE=$second set_args sleep 1000
	id2=$(new_id)
	run_detached run -d --bundle "$second" "$id2"
	[[ $status -eq 0 ]] || fail "second container: $output"
	run berth exec "$id2" sh -c 'readlink /proc/self/ns/pid; cat /proc/1/comm; ls /proc | grep -c "^[0-9]"'
	assert_success
	assert_equal "${lines[0]}" "$(readlink /proc/$init/ns/pid)"
}

@test "exec: no fd of the runtime or the caller leaks into the process" {
	start_sleeper
	run berth exec "$ID" ls -l /proc/self/fd 7<"$BATS_TEST_TMPDIR" 8</dev/null
	assert_success
	fds=$(awk '$(NF-1) == "->" { print $(NF-2) }' <<<"$output" | sort -n | tr '\n' ' ')
	[[ $fds == "0 1 2 " || $fds == "0 1 2 3 " ]] || fail "unexpected fds inside: $output"
	# --preserve-fds passes exactly the ones asked for.
	run berth exec --preserve-fds 1 "$ID" sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "' 3</dev/null
	assert_success
	[[ $output == "0 1 2 3 "* ]] && [[ $output != *" 7 "* ]] || fail "preserve-fds: $output"
}

@test "exec: --cap raises the capability in the ambient set when it is inheritable" {
	# runc adds --cap to the bounding, effective, permitted and ambient sets; the kernel
	# lets a capability into the ambient set only when it is also inheritable, so a
	# non-root process keeps CAP_SYS_TIME (bit 25, inheritable here) across exec but not
	# CAP_NET_RAW (bit 13).
	update_config '.process.capabilities = {bounding: ["CAP_KILL", "CAP_SYS_TIME"], effective: ["CAP_KILL"],
		permitted: ["CAP_KILL"], inheritable: ["CAP_SYS_TIME"], ambient: []}'
	start_sleeper
	run berth exec --user 1000:1000 --cap CAP_SYS_TIME --cap CAP_NET_RAW "$ID" grep -E '^Cap(Amb|Eff|Bnd):' /proc/self/status
	assert_success
	grep -qE '^CapAmb:\s+0000000002000000$' <<<"$output" || fail "ambient: $output"
	grep -qE '^CapEff:\s+0000000002000000$' <<<"$output" || fail "effective: $output"
	grep -qE '^CapBnd:\s+0000000002002020$' <<<"$output" || fail "bounding: $output"
}

@test "exec: a stopped or unknown container is a clear error" {
	run --separate-stderr berth exec nosuchcontainer true
	assert_failure
	assert_one_line_error 'does not exist'
	set_args true
	run_detached run -d --bundle "$BUNDLE" "$ID"
	wait_for_status "$ID" stopped
	run --separate-stderr berth exec "$ID" true
	assert_failure
	assert_one_line_error 'stopped'
}

@test "exec: a missing program is named" {
	start_sleeper
	run --separate-stderr berth exec "$ID" no-such-program
	assert_failure
	assert_one_line_error 'no-such-program'
}

@test "exec: the exec'd init stage cannot be used to overwrite the runtime binary" {
	# The CVE-2019-5736 path through exec: a process that re-executes /proc/self/exe
	# while berth's init stage is its image. Make it block (berth reading update's
	# resources from a pipe: `berth init` now refuses a sync fd that is no socket at
	# once), hold its exe open, let it die, then try to write through it. Through berth
	# init: the one-runtime path has the next test.
	export BERTH_NO_PLAN=1
	sum_before=$(sha256sum <"$BERTH")
	start_sleeper
	mkfifo "$BATS_TEST_TMPDIR/hold"
	exec 9<>"$BATS_TEST_TMPDIR/hold"
	status=0
	berth exec -d --pid-file "$BATS_TEST_TMPDIR/x.pid" "$ID" /proc/self/exe update -r - "$ID" \
		<&9 >/dev/null 2>&1 || status=$?
	assert_success
	pid=$(cat "$BATS_TEST_TMPDIR/x.pid")
	exec 8</proc/$pid/exe
	kill -9 "$pid"
	exec 9>&-
	for _ in $(seq 50); do process_gone "$pid" && break; sleep 0.1; done
	run sh -c 'echo x >> /proc/self/fd/8'
	exec 8<&-
	assert_failure
	assert_equal "$(sha256sum <"$BERTH")" "$sum_before" "runtime binary checksum"
}

@test "exec on the one-runtime path: /proc/self/exe never leads to the runtime's binary" {
	is_runc && skip "berth's one-runtime path"
	[[ ${BERTH_NO_PLAN:-} == 1 ]] && skip "BERTH_NO_PLAN=1: every exec takes berth init"
	# No init runs: the program is looked up by the runtime, outside the container's pid
	# namespace, where its /proc/self means nothing, and executed by the sealed exec
	# program, whose /proc/self/exe is itself. Either way the runtime's binary never runs.
	sum_before=$(sha256sum <"$BERTH")
	start_sleeper
	run berth --debug exec "$ID" /proc/self/exe --version
	assert_failure
	assert_output_contains 'proc=berth pid='
	assert_output_not_contains 'stage="path"'
	assert_output_not_contains 'proc=init'
	assert_output_not_contains "berth version"
	assert_equal "$(sha256sum <"$BERTH")" "$sum_before" "runtime binary checksum"
}

@test "exec: --cgroup puts the process in an existing sub-cgroup of the container's" {
	[[ -d /sys/fs/cgroup/pids ]] || skip "no v1 pids hierarchy (the v2 lane covers the unified form)"
	start_sleeper
	init=$(container_pid "$ID")
	# The container's pids cgroup as the host sees it, from init's /proc entry.
	rel=$(awk -F: '$2 == "pids" { print $3 }' /proc/$init/cgroup)
	mkdir "/sys/fs/cgroup/pids$rel/probe"
	run berth exec --cgroup pids:probe "$ID" cat /proc/self/cgroup
	assert_success
	grep -q '^[0-9]*:pids:.*/probe$' <<<"$output" || fail "not in the pids sub-cgroup: $output"
	grep -q '^[0-9]*:memory:.*/probe$' <<<"$output" && fail "moved in memory too: $output"
	# Paths that leave the container's cgroup are refused.
	run --separate-stderr berth exec --cgroup ../escape "$ID" true
	assert_failure
	assert_one_line_error 'sub-cgroup'
	run --separate-stderr berth exec --cgroup pids:nonexistent "$ID" true
	assert_failure
	assert_one_line_error 'pids cgroup'
}

@test "exec: --cgroup / is the container's own cgroup" {
	# runc joins the path to the container's cgroup, so "/" (with or without a
	# controller) names the container's cgroup itself.
	start_sleeper
	run berth exec "$ID" cat /proc/self/cgroup
	assert_success
	want=$output
	run berth exec --cgroup / "$ID" cat /proc/self/cgroup
	assert_success
	assert_equal "$output" "$want" "cgroups with --cgroup /"
	if [[ -d /sys/fs/cgroup/pids ]]; then
		run berth exec --cgroup pids:/ "$ID" cat /proc/self/cgroup
		assert_success
		assert_equal "$output" "$want" "cgroups with --cgroup pids:/"
	fi
}

@test "exec: the process gets a session keyring of the container's, not the caller's" {
	# The caller's session keyring (an engine's, a login's) must not reach the container;
	# runc gives each process "_ses.<id>", the create's as the exec's.
	local probe=$BATS_RUN_TMPDIR/keyring-probe
	if [[ ! -x $probe ]]; then
		(cd "$REPO_ROOT" && CGO_ENABLED=0 go build -o "$probe.tmp" ./tests/integration/testdata/keyring-probe) &&
			mv "$probe.tmp" "$probe" || fail "cannot build keyring-probe"
	fi
	cp "$probe" "$BUNDLE/rootfs/bin/keyring-probe"
	mine=$("$probe")
	start_sleeper
	run berth exec "$ID" /bin/keyring-probe
	assert_success
	assert_equal "$output" "_ses.$ID" "the exec'd process's session keyring (the caller's is $mine)"
	set_args /bin/keyring-probe
	first=$(new_id)
	run berth run --bundle "$BUNDLE" "$first"
	assert_success
	assert_equal "$output" "_ses.$first" "the first process's session keyring"
}

