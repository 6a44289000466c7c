#!/usr/bin/env bats
# process.*: args, env, cwd, user, umask, capabilities, no_new_privs, rlimits, oom score,
# preserved fds, and the hostname/domainname/sysctl settings around it.

load helpers

@test "args, env and cwd are used as given" {
	update_config '.process.env += ["BERTH_VAR=with spaces = and equals"] | .process.cwd = "/home/user"'
	set_args sh -c 'pwd; echo "$BERTH_VAR"; echo "$0 $1"' arg0 "arg 1"
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" /home/user cwd
	assert_equal "${lines[1]}" "with spaces = and equals" env
	assert_equal "${lines[2]}" "arg0 arg 1" args
}

@test "the environment is exactly process.env" {
	update_config --arg mark "BERTH_TEST_MARK=$TEST_MARK" '.process.env = ["PATH=/bin", "ONLY=this", $mark]'
	set_args env
	BERTH_LEAK=host-value run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(grep -v -e '^PWD=' -e '^SHLVL=' -e '^HOME=' <<<"$output" | sort | tr '\n' ' ')" \
		"BERTH_TEST_MARK=$TEST_MARK ONLY=this PATH=/bin " environment
}

@test "HOME comes from the rootfs's /etc/passwd when unset or empty, for run and exec --user" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "HOME="]'
	set_args sh -c 'echo "$HOME"'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" /root "root's HOME"
	update_config '.process.user = {uid: 4242, gid: 4242}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_equal "$output" / "HOME of a uid /etc/passwd does not know"
	update_config '.process.env += ["HOME=/custom"]'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_equal "$output" /custom "HOME given in process.env"

	update_config '.process.user = {uid: 0, gid: 0} | .process.env = ["PATH=/bin:/usr/bin"]'
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	run berth exec --user 1000 "$ID" sh -c 'echo "$HOME"'
	assert_success
	assert_equal "$output" /home/user "HOME for exec --user 1000"
}

@test "a cwd that does not exist is created" {
	update_config '.process.cwd = "/work/new/dir"'
	set_args pwd
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" /work/new/dir
}

@test "the program is found on process.env's PATH" {
	update_config '.process.env = ["PATH=/bin"]'
	set_args busybox true
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
}

@test "a program that does not exist fails the run with its name" {
	set_args /no/such/program
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains /no/such/program
}

@test "user uid, gid and additionalGids apply" {
	update_config '.process.user = {uid: 1000, gid: 100, additionalGids: [10, 20]}'
	set_args sh -c 'id -u; id -g; id -G; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" 1000 uid
	assert_equal "${lines[1]}" 100 gid
	assert_equal "$(tr ' ' '\n' <<<"${lines[2]}" | sort -n | tr '\n' ' ')" "10 20 100 " groups
	grep -qE '^Uid:\s+1000\s+1000\s+1000\s+1000$' <<<"$output" || fail "Uid: $output"
	grep -qE '^Groups:\s+10 20\s*$' <<<"$output" || fail "Groups: $output"
}

@test "a user switch leaves no signal ignored or blocked, on both paths" {
	# berth init switches its thread's ids with raw system calls: libc's all-thread
	# set*id (what Go's syscall package calls when cgo is linked) leaves musl's signal
	# for it, 34, ignored, and an ignored signal stays ignored across exec. Signals the
	# caller ignores may stay ignored (make's children ignore 32 and 33, and neither Go
	# nor musl catches those), but nothing more.
	local caller ignored
	caller=$(awk '$1 == "SigIgn:" { print $2 }' /proc/self/status)
	update_config '.process.user = {uid: 1000, gid: 100, additionalGids: [10]}'
	set_args grep -E '^(Sig(Ign|Blk)|Uid|Groups):' /proc/self/status
	for noplan in "" 1; do
		id=$(new_id)
		BERTH_NO_PLAN=$noplan run berth run --bundle "$BUNDLE" "$id"
		assert_success
		ignored=$(awk '$1 == "SigIgn:" { print $2 }' <<<"$output")
		(((0x$ignored & ~0x$caller) == 0)) ||
			fail "ignored beyond the caller's $caller (BERTH_NO_PLAN=$noplan): $output"
		assert_output_contains "SigBlk:	0000000000000000"
		grep -qE '^Uid:\s+1000\s+1000\s+1000\s+1000$' <<<"$output" || fail "Uid (BERTH_NO_PLAN=$noplan): $output"
		grep -qE '^Groups:\s+10\s*$' <<<"$output" || fail "Groups (BERTH_NO_PLAN=$noplan): $output"
	done
}

@test "umask applies" {
	update_config '.process.user.umask = 23'
	set_args sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" 0027 umask
	assert_equal "${lines[1]}" 640 "mode of a new file"
}

@test "capabilities: bounding limits what root gets" {
	update_config '.process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_CHOWN", "CAP_KILL"],
		permitted: ["CAP_CHOWN", "CAP_KILL"], inheritable: [], ambient: []}'
	set_args cat /proc/self/status
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	# CAP_CHOWN is bit 0, CAP_KILL bit 5.
	assert_equal "$(status_field CapBnd)" 0000000000000021 CapBnd
	assert_equal "$(status_field CapEff)" 0000000000000021 CapEff
	assert_equal "$(status_field CapPrm)" 0000000000000021 CapPrm
	assert_equal "$(status_field CapInh)" 0000000000000000 CapInh
	assert_equal "$(status_field CapAmb)" 0000000000000000 CapAmb
}

@test "capabilities: a non-root user keeps only its ambient set" {
	update_config '.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_CHOWN", "CAP_KILL"],
		permitted: ["CAP_CHOWN", "CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]}'
	set_args cat /proc/self/status
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(status_field CapBnd)" 0000000000000021 CapBnd
	assert_equal "$(status_field CapAmb)" 0000000000000020 CapAmb
	assert_equal "$(status_field CapInh)" 0000000000000020 CapInh
	assert_equal "$(status_field CapPrm)" 0000000000000020 CapPrm
	assert_equal "$(status_field CapEff)" 0000000000000020 CapEff
}

@test "capabilities: a non-root user without ambient capabilities has none" {
	update_config '.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_CHOWN"], permitted: ["CAP_CHOWN"]}'
	set_args cat /proc/self/status
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(status_field CapEff)" 0000000000000000 CapEff
	assert_equal "$(status_field CapPrm)" 0000000000000000 CapPrm
	assert_equal "$(status_field CapBnd)" 0000000000000021 CapBnd
}

@test "capabilities: without CAP_CHOWN, chown is refused" {
	update_config '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
	set_args sh -c 'touch /tmp/f; chown 1000 /tmp/f && echo CHOWNED; true'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_not_contains CHOWNED
}

@test "capabilities: an unknown name is skipped with a warning, not fatal" {
	# runc does the same (since 1.0; 1.2 extends it to capabilities the kernel lacks): a
	# profile written for a newer kernel still runs.
	update_config '.process.capabilities = {bounding: ["CAP_KILL", "CAP_FUTURE_THING"],
		effective: ["CAP_KILL"], permitted: ["CAP_KILL", "CAP_FUTURE_THING"]}'
	set_args cat /proc/self/status
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(status_field CapBnd)" 0000000000000020 CapBnd
	assert_equal "$(status_field CapEff)" 0000000000000020 CapEff
	[[ $stderr == *warn*CAP_FUTURE_THING* ]] || fail "no warning naming CAP_FUTURE_THING: $stderr"
}

@test "noNewPrivileges sets NoNewPrivs" {
	update_config '.process.noNewPrivileges = true'
	set_args grep NoNewPrivs /proc/self/status
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	[[ $output =~ NoNewPrivs:[[:space:]]+1 ]] || fail "$output"

	update_config '.process.noNewPrivileges = false'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[[ $output =~ NoNewPrivs:[[:space:]]+0 ]] || fail "$output"
}

@test "rlimits apply" {
	update_config '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 1000, hard: 2000},
		{type: "RLIMIT_CORE", soft: 1024, hard: 4096}]'
	set_args sh -c 'ulimit -n; cat /proc/self/limits'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" 1000 "ulimit -n"
	grep -qE '^Max open files +1000 +2000 ' <<<"$output" || fail "NOFILE: $output"
	grep -qE '^Max core file size +1024 +4096 ' <<<"$output" || fail "CORE: $output"
}

@test "oomScoreAdj applies" {
	update_config '.process.oomScoreAdj = 500'
	set_args cat /proc/self/oom_score_adj
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" 500 oom_score_adj
}

@test "--preserve-fds passes exactly that many extra fds" {
	echo three >"$BATS_TEST_TMPDIR/3" && echo four >"$BATS_TEST_TMPDIR/4" && echo five >"$BATS_TEST_TMPDIR/5"
	set_args sh -c 'cat <&3; cat <&4; (cat <&5) 2>/dev/null || echo no-fd-5'
	run berth run --preserve-fds 2 --bundle "$BUNDLE" "$ID" 3<"$BATS_TEST_TMPDIR/3" 4<"$BATS_TEST_TMPDIR/4" 5<"$BATS_TEST_TMPDIR/5"
	assert_success
	assert_equal "${lines[*]}" "three four no-fd-5" "preserved fds"
}

@test "LISTEN_FDS passes socket-activation fds and sets LISTEN_FDS inside" {
	echo activated >"$BATS_TEST_TMPDIR/3"
	set_args sh -c 'echo "LISTEN_FDS=$LISTEN_FDS"; cat <&3'
	# LISTEN_PID must name the runtime itself, so exec it from the shell that sets it.
	run env LISTEN_FDS=1 sh -c 'LISTEN_PID=$$ exec "$0" --root "$1" run --bundle "$2" "$3"' \
		"$BERTH" "$ROOT" "$BUNDLE" "$ID" 3<"$BATS_TEST_TMPDIR/3"
	assert_success
	assert_equal "${lines[0]}" LISTEN_FDS=1
	assert_equal "${lines[1]}" activated
}

@test "the caller's CPU affinity does not reach the container, for run and exec" {
	(($(nproc) > 1)) || skip "needs more than one CPU"
	skip_if_runc_before 1.2 "the reset of the affinity to the cgroup's cpuset (a 1.2.x/1.3.x backport)"
	# Since Linux 6.2 joining a cpuset cgroup keeps the mask the process asked for; runc
	# and berth widen it to the cpuset again. This shell runs on all of it.
	want=$(awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status)
	set_args awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status
	run taskset -c 0 "$BERTH" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" "$want" "run under taskset -c 0"

	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	run taskset -c 0 "$BERTH" --root "$ROOT" exec "$ID" awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status
	assert_success
	assert_equal "$output" "$want" "exec under taskset -c 0"
}

@test "hostname applies" {
	update_config '.hostname = "berth-host"'
	set_args hostname
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" berth-host hostname
}

@test "domainname applies" {
	# runc 1.1 ignores .domainname (runtime-spec 1.2 added it); berth sets it.
	update_config '.domainname = "berth.example"'
	set_args cat /proc/sys/kernel/domainname
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" berth.example domainname
}

@test "namespaced sysctls apply inside only" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}'
	set_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced'
	host_forward=$(cat /proc/sys/net/ipv4/ip_forward)
	host_rmid=$(cat /proc/sys/kernel/shm_rmid_forced)
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[*]}" "1 1" sysctls
	assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_forward" "host ip_forward"
	assert_equal "$(cat /proc/sys/kernel/shm_rmid_forced)" "$host_rmid" "host shm_rmid_forced"
}
