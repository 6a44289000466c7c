#!/usr/bin/env bats
# Class: runtime init reachable from a user-namespaced container (found in berth, see
# docs/security.md). A container holding CAP_SYS_PTRACE in its user namespace attacks
# the runtime's init while it runs in that container's namespaces: the init of a
# `berth exec` (caught frozen in a sub-cgroup), and the init of a second container
# created into its pid and user namespaces (caught while a createRuntime hook runs,
# before it pivots, when its root and cwd are the host's). Neither may be ptraced or
# have its memory, fds, root or cwd read.

load helpers
load security_helpers

# attacker_bundle DIR: a container with its own user namespace (root = host uid
# 100000), its own pid namespace and CAP_SYS_PTRACE (plus what makes ptrace useful).
# Once $DIR/rootfs/tmp/go exists, it attacks every process of its pid namespace whose
# command line is "<runtime> init" (berth init, runc init), writes what it got to
# /tmp/out and touches /tmp/done.
attacker_bundle() {
	local dir=$1
	make_bundle "$dir"
	chmod 1777 "$dir/rootfs/tmp"
	BUNDLE=$dir update_config '
		.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.process.capabilities = (["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_SYS_ADMIN", "CAP_KILL"] as $c |
			{bounding: $c, effective: $c, permitted: $c})'
	BUNDLE=$dir set_args sh -c '
		while [ ! -e /tmp/go ]; do sleep 0.05; done
		for p in /proc/[0-9]*; do
			set -- $(tr "\0" " " <$p/cmdline 2>/dev/null)
			[ "$2" = init ] || continue
			n=${p#/proc/}
			echo "target $n"
			head -c 64 $p/maps >/dev/null 2>&1 && echo "LEAK maps $n"
			head -c 64 $p/environ >/dev/null 2>&1 && echo "LEAK environ $n"
			ls $p/fd/ >/dev/null 2>&1 && echo "LEAK fd $n"
			(exec 3<$p/mem) 2>/dev/null && echo "LEAK mem $n"
			ls $p/root/ >/dev/null 2>&1 && echo "LEAK root $n: $(ls $p/root/ | tr "\n" " ")"
			ls $p/cwd/ >/dev/null 2>&1 && echo "LEAK cwd $n: $(ls $p/cwd/ | tr "\n" " ")"
			[ -e "$p/root$HOST_MARKER" ] && echo "LEAK host file through root $n"
		done >/tmp/out 2>&1
		touch /tmp/done
		sleep 1000'
}

# attack_results DIR: wait for the attacker in DIR to finish; its findings in $output.
attack_results() {
	wait_for_file "$1/rootfs/tmp/done" 30
	output=$(cat "$1/rootfs/tmp/out")
}

# start_attacker: the attacker container, running and waiting for its go.
start_attacker() {
	ATTACKER=$BATS_TEST_TMPDIR/attacker
	attacker_bundle "$ATTACKER"
	HOST_MARKER=$BATS_TEST_TMPDIR/host-marker-$RANDOM
	touch "$HOST_MARKER"
	BUNDLE=$ATTACKER update_config --arg m "HOST_MARKER=$HOST_MARKER" '.process.env += [$m]'
	ATTACKER_ID=$(new_id)
	run_detached run -d --bundle "$ATTACKER" "$ATTACKER_ID"
	[[ $status -eq 0 ]] || fail "attacker container: $output"
	ATTACKER_PID=$(container_pid "$ATTACKER_ID")
}

@test "init-reachable: the init of an exec (or its last stage, on the one-runtime path) cannot be ptraced or read by CAP_SYS_PTRACE in the container's user namespace" {
	start_attacker
	if is_runc || [[ ${BERTH_NO_PLAN:-} == 1 ]]; then
		# exec's init stops, frozen, in every namespace of the attacker's container.
		hold_exec_init "$ATTACKER_ID" true
	else
		# The one-runtime path starts no init: its last stage, a copy of the runtime
		# in every namespace of the attacker's container (showing "berth init"), is
		# held as it is born. Freezing would catch only stage 1, in the host's pid
		# namespace, out of the attacker's sight.
		hold_exec_stage "$ATTACKER_ID" true
	fi
	touch "$ATTACKER/rootfs/tmp/go"
	attack_results "$ATTACKER"
	local findings=$output
	release_exec_init
	assert_success
	output=$findings
	assert_output_contains target
	assert_output_not_contains LEAK
}

@test "init-reachable: a second container created into the pid and user namespaces: its init's root, cwd and memory stay out of reach" {
	start_attacker
	# Run from a directory of the host: until it pivots, init's cwd is this one.
	cwd=$BATS_TEST_TMPDIR/cwd-of-create
	mkdir -p "$cwd"
	touch "$cwd/cwd-marker"
	# The hook runs on the host while the second container's init waits, not yet
	# pivoted: it starts the attack and waits for its end.
	# (runc 1.1 wants the joined namespace's mappings repeated, berth refuses them.)
	is_runc || update_config 'del(.linux.uidMappings, .linux.gidMappings)'
	is_runc && update_config '
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	update_config --arg a "$ATTACKER/rootfs/tmp" --arg pid "/proc/$ATTACKER_PID/ns/pid" --arg user "/proc/$ATTACKER_PID/ns/user" '
		.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")] + [{type: "pid", path: $pid}, {type: "user", path: $user}] |
		.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "touch \($a)/go; i=0; while [ ! -e \($a)/done ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done"]}]'
	set_args sleep 100
	(cd "$cwd" && berth create --bundle "$BUNDLE" "$ID") >/dev/null 2>"$BATS_TEST_TMPDIR/create.err" </dev/null ||
		fail "second container: $(cat "$BATS_TEST_TMPDIR/create.err")"
	attack_results "$ATTACKER"
	assert_output_contains target
	assert_output_not_contains LEAK
}

@test "init-reachable: the created init is not dumpable" {
	# A non-dumpable process's /proc files belong to root whatever its uid; once the
	# container's program is running as uid 1000 they belong to 1000, which shows the
	# check can tell the two apart.
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_args sleep 100
	create_container "$ID"
	pid=$(container_pid "$ID")
	assert_equal "$(grep -E '^Uid:' "/proc/$pid/status" | awk '{print $2}')" 1000 "init uid before start"
	assert_equal "$(stat -c %u "/proc/$pid/status")" 0 "owner of /proc/$pid/status in created state"

	run berth start "$ID"
	assert_success
	wait_for_status "$ID" running
	tries=20
	while ((tries-- > 0)) && [[ $(tr -d '\0' <"/proc/$pid/cmdline") != sleep100 ]]; do sleep 0.1; done
	assert_equal "$(stat -c %u "/proc/$pid/status")" 1000 "owner of /proc/$pid/status once running"
}

@test "init-reachable: in a user namespace, the created init belongs to the host's user namespace, not the container's" {
	# The kernel gives a program executed from a file it cannot read to the nearest
	# user namespace privileged over the file: init's /proc files then belong to the
	# host's root (0), not to the container's root (100000) as the program's do later.
	update_config '
		.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	set_args sleep 100
	create_container "$ID"
	pid=$(container_pid "$ID")
	assert_equal "$(stat -c %u "/proc/$pid/status")" 0 "owner of the created init's /proc/$pid/status"
	run berth start "$ID"
	assert_success
	tries=20
	while ((tries-- > 0)) && [[ $(tr -d '\0' <"/proc/$pid/cmdline") != sleep100 ]]; do sleep 0.1; done
	assert_equal "$(stat -c %u "/proc/$pid/status")" 100000 "owner once the program runs"
}
