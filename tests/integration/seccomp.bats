#!/usr/bin/env bats
# linux.seccomp: Docker's default profile, every action, argument operators, notify
# agents, unknown names skipped, bad profiles refused, and exec'd processes confined.

load helpers

setup() {
	berth_setup
	DATA=$BATS_TEST_DIRNAME/testdata/seccomp
	# The busybox applets below make the syscalls the profiles name.
	update_config '.process.args = ["true"]'
}

# set_seccomp JSON: the container's linux.seccomp.
set_seccomp() { update_config --argjson s "$1" '.linux.seccomp = $s'; }

# deny_with ACTION NAME...: allow everything but NAME..., which get ACTION.
deny_with() {
	local action=$1
	shift
	set_seccomp "$(jq -nc --arg a "$action" '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: $ARGS.positional, action: $a}]}' --args "$@")"
}

# docker_profile: Docker's default profile as moby renders it for amd64 (see testdata).
docker_profile() {
	[[ $(uname -m) == x86_64 ]] || skip "the Docker profile in testdata is rendered for amd64"
	set_seccomp "$(cat "$DATA/docker-default-amd64.json")"
}

# with_sys_admin: CAP_SYS_ADMIN in every set, so that only seccomp can refuse mount/unshare.
with_sys_admin() {
	update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
}

# build_agent: contrib/cmd/seccomp-agent, built once per run.
build_agent() {
	AGENT=${SECCOMP_AGENT:-$REPO_ROOT/_build/seccomp-agent}
	if [[ ! -x $AGENT ]]; then
		AGENT=$BATS_RUN_TMPDIR/seccomp-agent
		[[ -x $AGENT ]] || (cd "$REPO_ROOT" && CGO_ENABLED=0 go build -o "$AGENT" ./contrib/cmd/seccomp-agent) ||
			fail "cannot build seccomp-agent"
	fi
}

# start_agent [AGENT OPTIONS...]: the agent on $AGENT_SOCK (default in the test's
# directory), states in $AGENT_STATES.
start_agent() {
	build_agent
	AGENT_SOCK=${AGENT_SOCK:-$BATS_TEST_TMPDIR/agent.sock}
	AGENT_STATES=$BATS_TEST_TMPDIR/agent.states
	AGENT_LOG=$BATS_TEST_TMPDIR/agent.log
	"$AGENT" "$@" --state-file "$AGENT_STATES" --pid-file "$BATS_TEST_TMPDIR/agent.pid" "$AGENT_SOCK" \
		>"$AGENT_LOG" 2>&1 </dev/null &
	AGENT_PID=$!
	on_teardown "kill $AGENT_PID 2>/dev/null || true"
	wait_for_file "$BATS_TEST_TMPDIR/agent.pid"
}

# install_syscall_probe: testdata/syscall-probe, built once per run, as /bin/syscall-probe
# in the container's rootfs.
install_syscall_probe() {
	local probe=$BATS_RUN_TMPDIR/syscall-probe
	if [[ ! -x $probe ]]; then
		(cd "$REPO_ROOT" && CGO_ENABLED=0 go build -o "$probe.tmp" ./tests/integration/testdata/syscall-probe) &&
			mv "$probe.tmp" "$probe" || fail "cannot build syscall-probe"
	fi
	cp "$probe" "$BUNDLE/rootfs/bin/syscall-probe"
}

# notify_profile NAME...: NAME... go to the agent, with metadata "meta-$TEST_MARK".
notify_profile() {
	set_seccomp "$(jq -nc --arg p "$AGENT_SOCK" --arg m "meta-$TEST_MARK" '{defaultAction: "SCMP_ACT_ALLOW",
		listenerPath: $p, listenerMetadata: $m,
		syscalls: [{names: $ARGS.positional, action: "SCMP_ACT_NOTIFY"}]}' --args "$@")"
}

@test "seccomp: Docker's default profile runs a busybox workload" {
	docker_profile
	set_args sh -c 'echo hi >/tmp/f && cat /tmp/f && ls / >/dev/null && mkdir /tmp/d && ps >/dev/null &&
		sleep 0.1 & wait; id -u; grep ^Seccomp: /proc/self/status'
	for nnp in true false; do
		update_config --argjson n "$nnp" '.process.noNewPrivileges = $n'
		run berth run --bundle "$BUNDLE" "$(new_id)"
		assert_success
		assert_equal "$output" "$(printf 'hi\n0\nSeccomp:\t2')" "output with noNewPrivileges=$nnp"
		rm -rf "$BUNDLE/rootfs/tmp/f" "$BUNDLE/rootfs/tmp/d"
	done
}

@test "seccomp: the state root is empty again once its last seccomp container is gone" {
	# Engines that pass no --root (podman) check the runtime's default root for leftovers:
	# berth's caches there (compiled programs, the copy of the binary) go with the last
	# container, and stay while one runs.
	docker_profile
	set_args sleep 100
	local keep=$(new_id)
	berth run -d --bundle "$BUNDLE" "$keep" </dev/null >/dev/null 2>&1
	set_args true
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	run ls "$ROOT"
	assert_equal "$output" "$keep" "the containers in the root while one runs"
	berth delete --force "$keep"
	run ls -A "$ROOT"
	assert_equal "$output" "" "the root after the last container"
}

@test "seccomp: Docker's default profile denies unshare and mount with EPERM, even with CAP_SYS_ADMIN" {
	with_sys_admin
	set_args sh -c 'unshare -m true && echo unshare-ok; mount -t tmpfs t /tmp && echo mount-ok'
	# Without a profile the capability is enough: the test can tell seccomp's refusal.
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_equal "$output" "$(printf 'unshare-ok\nmount-ok')" "without seccomp"
	docker_profile
	for nnp in true false; do
		update_config --argjson n "$nnp" '.process.noNewPrivileges = $n'
		run berth run --bundle "$BUNDLE" "$(new_id)"
		assert_output_contains "unshare(0x20000): Operation not permitted"
		assert_output_contains "mount: permission denied"
		assert_output_not_contains "-ok"
	done
}

@test "seccomp: SCMP_ACT_ERRNO returns errnoRet, EPERM without it, defaultErrnoRet for the default" {
	set_args sh -c 'mkdir /tmp/a; rmdir /tmp; umask 077 && echo umask-ok'
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28},
		{"names": ["rmdir", "unlinkat"], "action": "SCMP_ACT_ERRNO"}]}'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_output_contains "can't create directory '/tmp/a': No space left on device"
	assert_output_contains "rmdir: '/tmp': Operation not permitted"
	assert_output_contains "umask-ok"
	# The default action's errno: Docker's profile with ENOTSUP instead of EPERM.
	docker_profile
	update_config '.linux.seccomp.defaultErrnoRet = 95'
	with_sys_admin
	set_args unshare -m true
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "unshare(0x20000): Operation not supported"
}

@test "seccomp: kill, kill_process and kill_thread kill the process with SIGSYS (exit 159)" {
	set_args sh -c 'echo before; umask 077; echo after'
	for action in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD; do
		deny_with "$action" umask
		run berth run --bundle "$BUNDLE" "$(new_id)"
		assert_failure 159
		assert_equal "$output" before "output with $action"
	done
}

@test "seccomp: trap sends a SIGSYS the process can catch" {
	deny_with SCMP_ACT_TRAP umask
	set_args sh -c 'echo before; umask 077; echo after'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure 159
	assert_equal "$output" before
	set_args sh -c 'trap "echo caught SIGSYS" SYS; umask 077; echo after'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_equal "$output" "$(printf 'caught SIGSYS\nafter')"
}

@test "seccomp: trace without a tracer fails the syscall with ENOSYS" {
	deny_with SCMP_ACT_TRACE mkdir mkdirat
	set_args mkdir /tmp/x
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "Function not implemented"
}

@test "seccomp: log lets the syscall run and writes an audit record to the kernel log" {
	dmesg >/dev/null 2>&1 || skip "the kernel log is not readable here"
	grep -qw log /proc/sys/kernel/seccomp/actions_logged || skip "the kernel does not log SCMP_ACT_LOG"
	# sync(2), made by busybox's sync applet: nothing else in a container calls it.
	deny_with SCMP_ACT_LOG sync
	set_args sh -c 'sync && echo synced; echo pid=$$'
	before=$(dmesg | grep -c 'type=1326.*comm="sync".*syscall=162.*code=0x7ffc0000' || true)
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains synced
	sleep 0.2 # kauditd prints asynchronously
	after=$(dmesg | grep -c 'type=1326.*comm="sync".*syscall=162.*code=0x7ffc0000' || true)
	((after > before)) || fail "no new seccomp audit record for sync (before $before, after $after)"
}

@test "seccomp: every argument operator, conditions ANDed, the same argument twice ORed" {
	# kill(99999, SIG): ESRCH when allowed, EACCES when the rule matches the signal.
	set_args sh -c 'for s in 9 10 11; do if kill -$s 99999 2>&1 | grep -q "Permission denied"; then echo -n "$s "; fi; done'
	check() { # OP VALUE VALUETWO EXPECTED-DENIED
		set_seccomp "$(jq -nc --arg op "$1" --argjson v "$2" --argjson v2 "$3" '{defaultAction: "SCMP_ACT_ALLOW",
			syscalls: [{names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 13,
				args: [{index: 1, value: $v, valueTwo: $v2, op: $op}]}]}')"
		run berth run --bundle "$BUNDLE" "$(new_id)"
		assert_success
		assert_equal "$output" "$4" "signals denied by $1 $2"
	}
	check SCMP_CMP_NE 10 0 "9 11 "
	check SCMP_CMP_LT 10 0 "9 "
	check SCMP_CMP_LE 10 0 "9 10 "
	check SCMP_CMP_EQ 10 0 "10 "
	check SCMP_CMP_GE 10 0 "10 11 "
	check SCMP_CMP_GT 10 0 "11 "
	check SCMP_CMP_MASKED_EQ 3 1 "9 " # (sig & 3) == 1
	# Two arguments: both must match (pid 99999 and signal 10).
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO",
		"errnoRet": 13, "args": [{"index": 0, "value": 99998, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_equal "$output" "" "pid 99999 does not match the rule for 99998"
	# The same argument twice: either may match (runc's reading, which profiles rely on).
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO",
		"errnoRet": 13, "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 11, "op": "SCMP_CMP_EQ"}]}]}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_equal "$output" "9 11 "
}

@test "seccomp: a profile that denies getcwd, close_range and umask still starts the process" {
	update_config '.process.umask = 18'
	deny_with SCMP_ACT_KILL_PROCESS getcwd close_range umask
	set_args echo started
	for nnp in true false; do
		update_config --argjson n "$nnp" '.process.noNewPrivileges = $n'
		run berth run --bundle "$BUNDLE" "$(new_id)"
		assert_success
		assert_equal "$output" started "output with noNewPrivileges=$nnp"
	done
	# The user and a working directory only that user can enter.
	mkdir -p "$BUNDLE/rootfs/home/u"
	chown 1000:1000 "$BUNDLE/rootfs/home/u"
	chmod 700 "$BUNDLE/rootfs/home/u"
	update_config '.process.user = {"uid": 1000, "gid": 1000} | .process.cwd = "/home/u"'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_equal "$output" started
}

@test "seccomp: a profile that refuses execve refuses the process (berth adds nothing to it)" {
	deny_with SCMP_ACT_ERRNO execve execveat
	set_args echo never
	run -127 berth run --bundle "$BUNDLE" "$ID"
	assert_output_contains "operation not permitted"
	assert_output_not_contains never
}

@test "seccomp: unknown syscall names are skipped, the rest of the rule applies" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["no_such_syscall_in_any_kernel", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_args mkdir /tmp/x
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "No space left on device"
}

@test "seccomp: filter flags the kernel supports are accepted" {
	flags=$(berth features | jq -c '.linux.seccomp.supportedFlags')
	[[ $flags != null && $flags != "[]" ]] || skip "no supported flags"
	update_config --argjson f "$flags" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": $f,
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'mkdir /tmp/x || echo denied'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains denied
}

@test "seccomp: a bad profile is a one-line create error naming the field, and leaves nothing" {
	check() { # JQ-FILTER ERROR-PATTERN
		update_config "$1"
		run --separate-stderr berth run --bundle "$BUNDLE" "$(new_id)"
		assert_failure
		assert_one_line_error "$2"
	}
	base='.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcwd", "mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	check "$base | .linux.seccomp.syscalls[0].action = \"SCMP_ACT_BOGUS\"" \
		'linux\.seccomp\.syscalls\[0\]\.action: unknown action "SCMP_ACT_BOGUS"'
	check "$base | .linux.seccomp.defaultAction = \"SCMP_ACT_BOGUS\"" 'linux\.seccomp\.defaultAction: unknown action'
	check "$base | .linux.seccomp.architectures = [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_VAX\"]" \
		'linux\.seccomp\.architectures\[1\]: unknown architecture "SCMP_ARCH_VAX"'
	check "$base | .linux.seccomp.flags = [\"SECCOMP_FILTER_FLAG_BOGUS\"]" 'linux\.seccomp\.flags\[0\]: unknown flag'
	check "$base | .linux.seccomp.syscalls[0].args = [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_LIKE\"}]" \
		'linux\.seccomp\.syscalls\[0\]\.args\[0\]\.op: unknown operator'
	check "$base | .linux.seccomp.syscalls[0].args = [{\"index\": 7, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]" \
		'linux\.seccomp\.syscalls\[0\]\.args\[0\]\.index'
	check "$base | .linux.seccomp.syscalls[0].names[1] = \"\"" 'linux\.seccomp\.syscalls\[0\]\.names\[1\]: empty syscall name'
	check "$base | .linux.seccomp.syscalls[0].action = \"SCMP_ACT_ALLOW\" | .linux.seccomp.syscalls[0].errnoRet = 5" \
		'linux\.seccomp\.syscalls\[0\]\.errnoRet: SCMP_ACT_ALLOW does not take an errno'
	check "$base | .linux.seccomp.syscalls[0].action = \"SCMP_ACT_NOTIFY\"" 'linux\.seccomp\.listenerPath: required'
	check "$base | .linux.seccomp.defaultAction = \"SCMP_ACT_NOTIFY\" | .linux.seccomp.listenerPath = \"/x\"" \
		'linux\.seccomp\.defaultAction: SCMP_ACT_NOTIFY cannot be the default'
	if [[ $(uname -m) == x86_64 ]]; then
		check "$base | .linux.seccomp.architectures = [\"SCMP_ARCH_S390X\"]" \
			'linux\.seccomp\.architectures\[0\]: SCMP_ARCH_S390X cannot share a filter'
	fi
	# The agent is not listening: the error names listenerPath.
	check "$base | .linux.seccomp.syscalls[0].action = \"SCMP_ACT_NOTIFY\" | .linux.seccomp.listenerPath = \"$BATS_TEST_TMPDIR/none.sock\"" \
		'linux\.seccomp\.listenerPath: failed to connect with seccomp agent specified in the seccomp profile: dial unix .*none\.sock'
	[[ -z $(berth list -q) ]] || fail "containers left: $(berth list -q)"
}

@test "seccomp: notify hands the listener and the container state to the agent, which answers" {
	start_agent --errno 18 # EXDEV
	notify_profile mkdir mkdirat
	update_config --arg m "$TEST_MARK" '.annotations = {"test.mark": $m}'
	set_args sh -c 'mkdir /tmp/x; echo rc=$?'
	for nnp in true false; do
		: >"$AGENT_STATES"
		update_config --argjson n "$nnp" '.process.noNewPrivileges = $n'
		id=$(new_id)
		run berth run --bundle "$BUNDLE" "$id"
		assert_success
		assert_output_contains "can't create directory '/tmp/x': Invalid cross-device link"
		assert_output_contains rc=1
		run jq -c '[.ociVersion != null, .fds, .pid > 0, .metadata, .state.id, .state.status,
			.state.annotations["test.mark"], .state.bundle]' "$AGENT_STATES"
		# Loaded early (no no_new_privs) the filter is in place while create finishes: created.
		status_want=$([[ $nnp == true ]] && echo running || echo created)
		assert_equal "$output" "$(jq -nc --arg id "$id" --arg m "$TEST_MARK" --arg s "$status_want" --arg b "$BUNDLE" \
			'[true, ["seccompFd"], true, "meta-\($m)", $id, $s, $m, $b]')" "state sent with noNewPrivileges=$nnp"
	done
	grep -q '^notify pid=[0-9]* nr=' "$AGENT_LOG" || fail "the agent logged no notification: $(cat "$AGENT_LOG")"
}

@test "seccomp: an agent that answers success makes mkdir succeed without running it" {
	start_agent
	notify_profile mkdir mkdirat
	set_args sh -c 'mkdir /tmp/x && echo mkdir-ok; ls -d /tmp/x'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_output_contains mkdir-ok
	assert_output_contains "/tmp/x: No such file or directory"
	kill "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null || true
	start_agent --continue
	run berth run --bundle "$BUNDLE" "$(new_id)"
	# With --continue the kernel runs it.
	assert_success
	assert_output_contains "mkdir-ok"
}

@test "seccomp: berth exec'd processes get the container's filter, notify included" {
	start_agent --errno 18
	notify_profile mkdir mkdirat
	update_config '.linux.seccomp.syscalls += [{"names": ["umask"], "action": "SCMP_ACT_KILL_PROCESS"}]'
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	run berth exec "$ID" grep ^Seccomp: /proc/self/status
	assert_success
	assert_equal "$output" "$(printf 'Seccomp:\t2')"
	run berth exec "$ID" sh -c 'umask 077; echo survived'
	assert_failure 159
	: >"$AGENT_STATES"
	for nnp in --no-new-privs ""; do
		run berth exec $nnp "$ID" mkdir /tmp/x
		assert_failure
		assert_output_contains "Invalid cross-device link"
	done
	run jq -sc --argjson init "$(container_pid "$ID")" '[.[] | [.state.pid == $init, .pid != $init, .state.status]]' "$AGENT_STATES"
	assert_equal "$output" '[[true,true,"running"],[true,true,"running"]]' "states sent for the two exec'd processes"
}

@test "seccomp: berth features lists what the build supports" {
	run berth features
	assert_success
	run jq -c '.linux.seccomp | [.enabled, (.actions | length), (.operators | length),
		(.knownFlags | index("SECCOMP_FILTER_FLAG_LOG") != null), (.archs | length > 0)]' <<<"$output"
	assert_equal "$output" '[true,9,7,true,true]'
}

@test "seccomp: the runtime reaches the agent for a user-namespaced container that could not" {
	# The agent's socket sits in a directory only host root may enter: the container's
	# root (host uid 200000) could never connect, berth (the runtime) must.
	mkdir -m 700 "$BATS_TEST_TMPDIR/private"
	AGENT_SOCK=$BATS_TEST_TMPDIR/private/agent.sock
	start_agent --errno 18 # EXDEV
	notify_profile mkdir mkdirat
	update_config '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	chown -R 200000:200000 "$BUNDLE/rootfs"
	set_args sh -c 'mkdir /tmp/x; echo rc=$?'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains "Invalid cross-device link"
}

@test "seccomp: a syscall newer than the profile gets ENOSYS, a known one the default errno" {
	# runc puts the same stub in front of the profile: libc falls back to older syscalls
	# on ENOSYS only, so "newer than the profile" must not look like "forbidden".
	docker_profile
	install_syscall_probe
	# 1000 is past every syscall the profile names; 246 is kexec_load, which it denies.
	set_args sh -c 'syscall-probe 1000; syscall-probe 246'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[*]}" "38 1" "errno of syscall 1000 and of kexec_load"
}
