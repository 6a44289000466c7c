#!/usr/bin/env bats
# What a container must not get from the runtime: the caller's open files, a way out
# through a leaked fd as cwd, or a writable handle on the runtime binary.

load helpers

@test "an fd of the caller that is not preserved is not visible inside" {
	echo host-secret >"$BATS_TEST_TMPDIR/secret"
	set_args ls -l /proc/self/fd
	run berth run --bundle "$BUNDLE" "$ID" 7<"$BATS_TEST_TMPDIR/secret" 8<"$BATS_TEST_TMPDIR"
	assert_success
	assert_output_not_contains secret
	assert_output_not_contains "$BATS_TEST_TMPDIR"
	# Only stdio, plus the directory ls itself opened.
	fds=$(awk '$(NF-1) == "->" { print $(NF-2) }' <<<"$output" | sort -n | tr '\n' ' ')
	[[ $fds == "0 1 2 " || $fds == "0 1 2 3 " ]] || fail "unexpected fds inside: $output"
}

@test "cwd /proc/self/fd/N cannot escape to a host directory" {
	mkdir -p "$BATS_TEST_TMPDIR/hostdir"
	touch "$BATS_TEST_TMPDIR/hostdir/host-secret"
	set_args sh -c 'ls -a; ls -a ..; ls -a ../..'
	# Whatever fds the runtime itself holds while it sets up, none may become the cwd.
	for n in 3 4 5 6 7 8 9 10; do
		update_config --arg cwd "/proc/self/fd/$n" '.process.cwd = $cwd'
		run berth run --bundle "$BUNDLE" "$(new_id)" 7<"$BATS_TEST_TMPDIR/hostdir"
		assert_output_not_contains host-secret
		assert_output_not_contains config.json
		assert_output_not_contains bats-run
	done
}

@test "a second container in the same pid namespace cannot write the created init's executable" {
	sum_before=$(sha256sum <"$BERTH")
	set_args sleep 100
	create_container "$ID"
	pid=$(container_pid "$ID")

	attacker=$BATS_TEST_TMPDIR/attacker
	make_bundle "$attacker"
	# The attacker is as strong as a container can be: all the usual capabilities.
	BUNDLE=$attacker update_config --arg p "/proc/$pid/ns/pid" '
		.linux.namespaces = [.linux.namespaces[] | if .type == "pid" then .path = $p else . end] |
		.process.capabilities = (["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_FOWNER"] as $c |
			{bounding: $c, effective: $c, permitted: $c})'
	BUNDLE=$attacker set_args sh -c 'ls -l /proc/1/exe; echo x >> /proc/1/exe && echo WROTE-EXE
		for p in /proc/[0-9]*; do echo y >> $p/exe 2>/dev/null && echo WROTE-$p; done; true'
	run berth run --bundle "$attacker" "$(new_id)"
	assert_success
	assert_output_not_contains WROTE
	assert_equal "$(sha256sum <"$BERTH")" "$sum_before" "runtime binary checksum"
}

@test "the created init's executable cannot be opened for writing, even once it stops" {
	# While it runs, the kernel refuses writers anyway (ETXTBSY). What matters is the file
	# behind /proc/<pid>/exe: berth makes it a read-only bind (or a sealed memfd), never
	# the host binary itself. Hold that file open, stop the container, then try to open it
	# for writing without writing anything.
	set_args sleep 100
	create_container "$ID"
	pid=$(container_pid "$ID")
	exec {exe_fd}<"/proc/$pid/exe"
	on_teardown "exec $exe_fd<&-"
	run berth kill "$ID" KILL
	assert_success
	wait_for_status "$ID" stopped
	if (: >>"/proc/self/fd/$exe_fd") 2>/dev/null; then
		[[ $(readlink "/proc/self/fd/$exe_fd") == /memfd:* ]] ||
			fail "the init's executable ($(readlink "/proc/self/fd/$exe_fd")) opens for writing"
	fi
}

@test "the created init is not dumpable" {
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
