#!/usr/bin/env bats
# process.apparmorProfile: the container's process runs confined by the profile, whether
# the one-runtime path sets it (the exec program writes attr/apparmor/exec, opened in the
# container's own proc instance, right before the execve) or berth init does. Needs a
# kernel with AppArmor and apparmor_parser: the VM lane (Debian's kernel, and the guest
# image has the package); skipped elsewhere (fields.bats checks the refusal there).

load helpers

setup() {
	berth_setup
	[[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]] || skip "AppArmor is not enabled"
	command -v apparmor_parser >/dev/null || skip "no apparmor_parser"
	if [[ ! -e /sys/kernel/security/apparmor ]]; then
		mount -t securityfs securityfs /sys/kernel/security || skip "cannot mount securityfs"
		on_teardown "umount /sys/kernel/security"
	fi
	# Allows everything but writes to /denied (a path as the container sees it).
	PROFILE=berth-test-$TEST_MARK
	apparmor_parser -r <<-EOF || fail "cannot load the test profile"
	profile $PROFILE flags=(attach_disconnected,mediate_deleted) {
	  file,
	  capability,
	  network,
	  signal,
	  ptrace,
	  unix,
	  mount,
	  umount,
	  pivot_root,
	  deny /denied w,
	}
	EOF
	on_teardown "apparmor_parser -R /dev/stdin <<<\"profile $PROFILE {}\" 2>/dev/null || true"
	update_config --arg p "$PROFILE" '.process.apparmorProfile = $p'
	set_args sh -c 'cat /proc/self/attr/current; echo x 2>/dev/null >/denied && echo wrote; exec sleep 1000'
}

# confined: the container's first process and an exec'd one run in the profile, and the
# profile's deny rule holds.
confined() {
	run_detached --debug --log "$BATS_TEST_TMPDIR/run.log" --log-format json run -d --bundle "$BUNDLE" "$ID"
	assert_success
	for _ in $(seq 100); do grep -q enforce "$CONTAINER_OUT" && break; sleep 0.1; done
	assert_equal "$(cat "$CONTAINER_OUT")" "$PROFILE (enforce)" "the process's label, and no write to /denied"
	pid=$(container_pid "$ID")
	assert_equal "$(cat /proc/"$pid"/attr/current)" "$PROFILE (enforce)" "the label seen from the host"
	run berth --debug --log "$BATS_TEST_TMPDIR/exec.log" --log-format json exec "$ID" sh -c 'cat /proc/self/attr/current; echo x 2>/dev/null >/denied && echo wrote; true'
	assert_success
	assert_equal "$output" "$PROFILE (enforce)" "an exec'd process's label, and no write to /denied"
}

# bats test_tags=vm
@test "apparmor: the process runs confined by process.apparmorProfile, on the one-runtime path" {
	confined
	is_runc && return
	assert_one_runtime_path "$BATS_TEST_TMPDIR/run.log"
	assert_one_runtime_path "$BATS_TEST_TMPDIR/exec.log"
}

# bats test_tags=vm
@test "apparmor: the process runs confined by process.apparmorProfile, through berth init" {
	is_runc && skip "berth's two paths"
	export BERTH_NO_PLAN=1
	confined
}

# bats test_tags=vm
@test "apparmor: a profile that is not loaded fails the run, naming the field, and leaves nothing" {
	update_config '.process.apparmorProfile = "berth-no-such-profile"'
	run_detached run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains 'apparmorProfile'
	run berth state "$ID"
	assert_failure
}

# bats test_tags=vm
@test "apparmor: with noNewPrivileges, a confined root gets its permitted set, not its bounding set (capabilities beyond the permitted set class)" {
	# The exec program must write the label before no_new_privs, so this container
	# keeps berth init (libcontainer/planpath.go, labelledRootGains).
	update_config '.process.noNewPrivileges = true | .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
	set_args sh -c 'cat /proc/self/attr/current; grep -E "^Cap(Prm|Eff)" /proc/self/status'
	run berth --debug --log "$BATS_TEST_TMPDIR/run.log" --log-format json run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains "$PROFILE (enforce)"
	[[ $output =~ CapPrm:[[:space:]]+0000000000000020 && $output =~ CapEff:[[:space:]]+0000000000000020 ]] || fail "capabilities: $output"
	is_runc || grep -q 'an LSM label with no_new_privs' "$BATS_TEST_TMPDIR/run.log" || fail "not refused the one-runtime path: $(grep path "$BATS_TEST_TMPDIR/run.log")"
}

# bats test_tags=vm
@test "apparmor: an exec into a user-namespaced container runs confined, on the one-runtime path" {
	# The exec program writes the label under a proc instance the last stage made in the
	# container's pid namespace, from inside its user namespace.
	update_config '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	chmod 755 "$BATS_TEST_TMPDIR" "$BUNDLE"
	confined
	is_runc && return
	assert_one_runtime_path "$BATS_TEST_TMPDIR/exec.log"
}
