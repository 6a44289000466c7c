#!/usr/bin/env bats
# OCI hooks: each kind receives the state on stdin, runs at its point of the lifecycle and
# in its namespace; a failing or hanging hook fails the operation and leaves nothing.

load helpers

# hook NAME [DIR]: a hook that saves its stdin in DIR/NAME.json and logs NAME to DIR/order.
# DIR defaults to $HOOKS (on the host); startContainer runs after pivot_root, inside.
hook() {
	local dir=${2:-$HOOKS}
	jq -n --arg dir "$dir" --arg name "$1" \
		'{path: "/bin/sh", args: ["sh", "-c", "cat > \($dir)/\($name).json; echo \($name) >> \($dir)/order"]}'
}

setup() {
	berth_setup
	HOOKS=$BATS_TEST_TMPDIR/hooks
	mkdir -p "$HOOKS"
	chmod 0777 "$HOOKS"
}

# all_hooks: every kind of hook, each recording itself.
all_hooks() {
	update_config \
		--argjson prestart "$(hook prestart)" \
		--argjson createRuntime "$(hook createRuntime)" \
		--argjson createContainer "$(hook createContainer)" \
		--argjson startContainer "$(hook startContainer /)" \
		--argjson poststart "$(hook poststart)" \
		--argjson poststop "$(hook poststop)" \
		'.hooks = {prestart: [$prestart], createRuntime: [$createRuntime], createContainer: [$createContainer],
			startContainer: [$startContainer], poststart: [$poststart], poststop: [$poststop]}'
}

@test "every hook gets the container state on stdin" {
	all_hooks
	set_args sh -c 'echo ready > /ready; sleep 100'
	create_container "$ID"
	pid=$(container_pid "$ID")
	run berth start "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/ready"
	run berth delete --force "$ID"
	assert_success

	for h in prestart createRuntime createContainer poststart poststop; do
		jq -e --arg id "$ID" --arg bundle "$BUNDLE" '.id == $id and .bundle == $bundle and (.ociVersion | length > 0)' \
			"$HOOKS/$h.json" >/dev/null || fail "$h state: $(cat "$HOOKS/$h.json" 2>&1)"
	done
	jq -e --arg id "$ID" '.id == $id' "$BUNDLE/rootfs/startContainer.json" >/dev/null ||
		fail "startContainer state: $(cat "$BUNDLE/rootfs/startContainer.json" 2>&1)"
	# Until the process has gone, the state carries its pid as the host sees it. (runc 1.1
	# hands createContainer and startContainer the pid seen inside, 1; berth does not.)
	for h in prestart createRuntime createContainer poststart; do
		assert_equal "$(jq .pid "$HOOKS/$h.json")" "$pid" "$h pid"
	done
	assert_equal "$(jq -r .pid "$BUNDLE/rootfs/startContainer.json")" "$pid" "startContainer pid"
	# runtime-spec's lifecycle: these hooks run after step 2, when the status is created;
	# createContainer runs while the container is still being built (runc says creating),
	# startContainer before the process runs.
	for h in prestart createRuntime; do
		assert_equal "$(jq -r .status "$HOOKS/$h.json")" created "$h status"
	done
	assert_equal "$(jq -r .status "$HOOKS/createContainer.json")" creating "createContainer status"
	assert_equal "$(jq -r .status "$BUNDLE/rootfs/startContainer.json")" created "startContainer status"
	assert_equal "$(jq -r .status "$HOOKS/poststart.json")" running "poststart status"
	assert_equal "$(jq -r .status "$HOOKS/poststop.json")" stopped "poststop status"
}

@test "poststart of a process that has already exited still gets it running, with its pid" {
	# `true` may be gone before start runs poststart: the hook still learns which process
	# was started (runtime-tools' hooks_stdin checks it), not "running" with pid 0.
	is_runc && skip "runc 1.1 runs poststart hooks during create"
	update_config --argjson poststart "$(hook poststart)" '.hooks = {poststart: [$poststart]}'
	set_args true
	# A race: busy CPUs and twenty rounds make it likely that the process is gone before
	# start reads the state (with pid 0 there, this failed within a few rounds).
	for _ in $(seq "$(nproc)"); do
		sh -c 'while :; do :; done' &
		on_teardown "kill $! 2>/dev/null || true"
	done
	for i in $(seq 20); do
		create_container "$ID-$i"
		pid=$(container_pid "$ID-$i")
		run berth start "$ID-$i"
		assert_success
		assert_equal "$(jq -r '"\(.status) \(.pid)"' "$HOOKS/poststart.json")" "running $pid" "poststart state, run $i"
		berth delete --force "$ID-$i"
	done
}

@test "hooks run in lifecycle order" {
	all_hooks
	set_args sh -c 'cat /order > /seen-by-process'
	create_container "$ID"
	run berth start "$ID"
	assert_success
	wait_for_status "$ID" stopped
	run berth delete "$ID"
	assert_success

	# prestart and createRuntime both run right after the namespaces exist; their relative
	# order is not fixed by the spec, so compare the rest.
	order=$(grep -v -e prestart -e createRuntime "$HOOKS/order" | tr '\n' ' ')
	assert_equal "$order" "createContainer poststart poststop " "host-side hook order"
	head -n2 "$HOOKS/order" | sort | tr '\n' ' ' | grep -qx "createRuntime prestart " ||
		fail "prestart/createRuntime not first: $(cat "$HOOKS/order")"
	# startContainer ran inside the container before the process.
	assert_equal "$(cat "$BUNDLE/rootfs/seen-by-process")" startContainer "seen by the process"
}

@test "poststart runs at start, not at create; poststop at delete" {
	# runc 1.1 runs poststart hooks during create; berth follows runtime-spec here.
	all_hooks
	set_args sleep 100
	create_container "$ID"
	[[ -e $HOOKS/createRuntime.json ]] || fail "createRuntime did not run at create"
	[[ ! -e $HOOKS/poststart.json ]] || fail "poststart ran at create"
	[[ ! -e $BUNDLE/rootfs/startContainer.json ]] || fail "startContainer ran at create"

	run berth start "$ID"
	assert_success
	# start returns only after the poststart hooks have run.
	[[ -e $HOOKS/poststart.json ]] || fail "poststart had not run when start returned"
	[[ ! -e $HOOKS/poststop.json ]] || fail "poststop ran before delete"

	run berth delete --force "$ID"
	assert_success
	[[ -e $HOOKS/poststop.json ]] || fail "poststop did not run at delete"
}

@test "hooks get their args and env, and nothing else of the runtime's env" {
	update_config --arg out "$HOOKS/env" '.hooks = {createRuntime: [{path: "/bin/sh",
		args: ["sh", "-c", "echo \"$0 $HOOK_VAR ${BERTH_LEAK:-unset}\" > \($out)", "arg0"], env: ["HOOK_VAR=hook-value"]}]}'
	BERTH_LEAK=leaked run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(cat "$HOOKS/env")" "arg0 hook-value unset" "hook saw"
}

@test "a failing prestart hook fails create and leaves nothing" {
	update_config '.hooks = {prestart: [{path: "/bin/false"}]}'
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	run berth state "$ID"
	assert_failure
}

@test "a failing createRuntime hook fails create and leaves nothing" {
	update_config '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]}'
	set_args sh -c 'echo ran > /ran'
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	[[ ! -e $BUNDLE/rootfs/ran ]] || fail "the process ran"
}

@test "a failing poststart hook fails start and stops the container" {
	# runtime-spec 1.3: the runtime MUST generate an error and stop the container; runc 1.5
	# does (runc 1.1 ran poststart during create and failed the create instead).
	skip_if_runc_before 1.5 "poststart hooks at start, their failure stopping the container"
	update_config --arg out "$HOOKS" '.hooks = {poststart: [{path: "/bin/false"}],
		poststop: [{path: "/bin/sh", args: ["sh", "-c", "touch \($out)/poststop-ran"]}]}'
	set_args sleep 100
	create_container "$ID"
	pid=$(container_pid "$ID")
	run --separate-stderr berth start "$ID"
	assert_failure
	assert_one_line_error 'hooks\.poststart\[0\]'
	assert_equal "$(container_status "$ID")" stopped status
	process_gone "$pid" || fail "init $pid still runs"
	run berth delete "$ID"
	assert_success
	[[ -e $HOOKS/poststop-ran ]] || fail "poststop did not run at delete"
}

@test "createContainer hooks run with the rootfs as working directory and status creating" {
	update_config --arg out "$HOOKS" '.hooks = {createContainer: [{path: "/bin/sh",
		args: ["sh", "-c", "pwd > \($out)/cwd; jq -r .status > \($out)/status"]}]}'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(cat "$HOOKS/cwd")" "$(cd "$BUNDLE/rootfs" && pwd -P)" "working directory"
	assert_equal "$(cat "$HOOKS/status")" creating status
}

@test "the runtime's hooks run in the bundle's directory, wherever the caller is, as runc's" {
	# runc changes to the bundle before it creates or runs a container; a hook may read
	# config.json from its working directory.
	local kind
	update_config --arg out "$HOOKS" '.hooks = ({} | reduce ("prestart", "createRuntime", "poststart", "poststop") as $k
		(.; .[$k] = [{path: "/bin/sh", args: ["sh", "-c", "pwd > \($out)/\($k).cwd"]}]))'
	cd /
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	for kind in prestart createRuntime poststart poststop; do
		assert_equal "$(cat "$HOOKS/$kind.cwd")" "$(cd "$BUNDLE" && pwd -P)" "$kind working directory"
	done
}

@test "startContainer hooks without env get the container process's environment" {
	update_config '.process.env += ["FROM_PROCESS=proc-value"] | .hooks = {startContainer: [
		{path: "/bin/sh", args: ["sh", "-c", "echo \"${FROM_PROCESS:-unset} $PATH\" > /no-env"]},
		{path: "/bin/sh", args: ["sh", "-c", "echo \"${FROM_PROCESS:-unset} $OWN\" > /own-env"], env: ["OWN=own"]}]}'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	path=$(jq -r '.process.env[] | select(startswith("PATH=")) | ltrimstr("PATH=")' "$BUNDLE/config.json")
	assert_equal "$(cat "$BUNDLE/rootfs/no-env")" "proc-value $path" "hook without env"
	assert_equal "$(cat "$BUNDLE/rootfs/own-env")" "unset own" "hook with env"
}

@test "with noNewPrivileges the seccomp filter confines the startContainer hooks" {
	# runc loads the filter before these hooks when noNewPrivileges is set; otherwise a
	# hook would do unconfined what the process may not.
	update_config '.process.noNewPrivileges = true |
		.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]} |
		.hooks = {startContainer: [{path: "/bin/sh", args: ["sh", "-c", "mkdir /hook-dir 2>/dev/null; exit 0"]}]}'
	set_args sh -c 'test -d /hook-dir && echo made || echo refused'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" refused "mkdir in the startContainer hook"
}

@test "a hook that outlives its timeout fails create quickly and leaves nothing" {
	update_config '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
	start=$SECONDS
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	((SECONDS - start < 10)) || fail "create took $((SECONDS - start))s with a 1s hook timeout"
	! pgrep -f '^sleep 30$' >/dev/null || fail "the hook's sleep is still running"
}

@test "poststart runs after the user process is executed, before start returns" {
	# The hook reads the container's pid from its stdin and looks at what it executes:
	# runtime-spec wants the user process, not the runtime's init, by then.
	cat >"$BATS_TEST_TMPDIR/poststart.sh" <<-SH
	#!/bin/sh
	pid=\$(jq .pid)
	readlink /proc/\$pid/exe > $BATS_TEST_TMPDIR/exe-at-poststart
	SH
	chmod +x "$BATS_TEST_TMPDIR/poststart.sh"
	update_config --arg p "$BATS_TEST_TMPDIR/poststart.sh" '.hooks = {poststart: [{path: $p}]}'
	set_args sleep 100
	create_container "$ID"
	run berth start "$ID"
	assert_success
	exe=$(cat "$BATS_TEST_TMPDIR/exe-at-poststart")
	[[ $exe == */busybox ]] || fail "poststart saw $exe executing, not the user program"
}
