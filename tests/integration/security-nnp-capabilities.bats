#!/usr/bin/env bats
# Class: capabilities beyond the permitted set (found in berth, see docs/security.md).
# A root that executes a file gets its bounding set as permitted and effective (the
# kernel's rule for root), unless no_new_privs caps that at what it already has. The
# one-runtime path executes twice, its sealed exec program and then the process: with
# no_new_privs set only by the program, the process kept capabilities the config had
# only in its bounding set.

load helpers

@test "nnp-capabilities: with noNewPrivileges, root gets its permitted set, not its bounding set, for run and exec" {
	# Without no_new_privs the kernel gives a root that executes a file the bounding set;
	# with it, what root had before the execve. The one-runtime path executes twice
	# (its sealed exec program, then the process): no_new_privs must hold at the first.
	update_config '.process.noNewPrivileges = true | .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
	set_args cat /proc/self/status
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(status_field CapBnd)" 0000000000000021 CapBnd
	assert_equal "$(status_field CapPrm)" 0000000000000020 CapPrm
	assert_equal "$(status_field CapEff)" 0000000000000020 CapEff
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID-d"
	assert_success
	run berth exec "$ID-d" cat /proc/self/status
	assert_success
	assert_equal "$(status_field CapPrm)" 0000000000000020 "exec CapPrm"
	assert_equal "$(status_field CapEff)" 0000000000000020 "exec CapEff"
}
