#!/usr/bin/env bats
# Bad input: each case must fail with a non-zero exit and a one-line error that names the
# field or path at fault, and leave nothing behind (teardown checks state, cgroups, mounts
# and processes after every test).

load helpers

# create_fails PATTERN: create must fail with a one-line error matching PATTERN.
create_fails() {
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error "$1"
	run berth state "$ID"
	assert_failure
}

@test "config.json that is not valid JSON" {
	# runc 1.1 says only "unexpected EOF"; berth names the file.
	echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
	create_fails 'config\.json'
}

@test "a bundle without config.json" {
	rm "$BUNDLE/config.json"
	create_fails 'config\.json'
}

@test "a missing rootfs" {
	rm -rf "$BUNDLE/rootfs"
	create_fails 'rootfs'
}

@test "a mount with an unknown filesystem type" {
	update_config '.mounts += [{destination: "/mnt/bad", type: "berthnosuchfs", source: "none"}]'
	create_fails 'berthnosuchfs|/mnt/bad'
}

@test "a relative cwd" {
	update_config '.process.cwd = "relative/dir"'
	create_fails 'cwd'
}

@test "empty process.args" {
	update_config '.process.args = []'
	create_fails 'args'
}

@test "a hook binary that does not exist" {
	update_config '.hooks = {createRuntime: [{path: "/no/such/hook-binary"}]}'
	create_fails '/no/such/hook-binary'
}

@test "a sysctl that is not namespaced" {
	before=$(cat /proc/sys/vm/swappiness)
	update_config '.linux.sysctl = {"vm.swappiness": "13"}'
	create_fails 'vm\.swappiness'
	assert_equal "$(cat /proc/sys/vm/swappiness)" "$before" "host vm.swappiness"
}

@test "a namespace path that does not exist" {
	update_config '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/var/run/netns/berth-missing" else . end]'
	create_fails '/var/run/netns/berth-missing'
}

@test "an unknown namespace type" {
	update_config '.linux.namespaces += [{type: "berthbogus"}]'
	create_fails 'berthbogus'
}

@test "an unknown rlimit" {
	update_config '.process.rlimits = [{type: "RLIMIT_BERTHBOGUS", soft: 1, hard: 1}]'
	create_fails 'RLIMIT_BERTHBOGUS'
}

@test "container ids with a slash or dot-dot are refused and touch nothing" {
	for bad in "a/b" ".." "../escape" "."; do
		run_detached create --bundle "$BUNDLE" "$bad"
		assert_failure
		grep -q . <<<"$stderr" || fail "no error for id '$bad'"
	done
	[[ ! -e $ROOT/a ]] || fail "made $ROOT/a"
	[[ ! -e $BATS_TEST_TMPDIR/escape ]] || fail "made $BATS_TEST_TMPDIR/escape"
	[[ ! -e $BATS_TEST_TMPDIR/state.json ]] || fail "wrote state next to the root"
	assert_equal "$(find "$ROOT" -mindepth 1 | wc -l)" 0 "entries under the root"
}

@test "a duplicate id is refused with a one-line error" {
	set_args sleep 100
	create_container "$ID"
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'already exists'
	assert_equal "$(container_status "$ID")" created
}

@test "run with bad input fails the same way and leaves nothing" {
	update_config '.process.cwd = "relative/dir"'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'cwd'
}

@test "a mount inside /proc that is not a tmpfs mask is refused in runc's words" {
	update_config '.mounts += [{destination: "/proc/kmsg", type: "bind", source: "/dev/null", options: ["bind"]}]'
	create_fails '"?[^ ]*/proc/kmsg\\?"? cannot be mounted because it is inside /proc'
}

@test "a mount over /proc that is no procfs is refused in runc's words" {
	runc_older_than 1.2 && skip "runc 1.1 mounts it and then fails in init"
	update_config '.mounts += [{destination: "/proc", type: "bind", source: "/tmp", options: ["rbind"]}]'
	create_fails '"?/proc\\?"? cannot be mounted because it is not of type proc'
}

@test "tmpfs masks inside /proc are allowed" {
	update_config '.mounts += [{destination: "/proc/tty", type: "tmpfs", source: "tmpfs", options: ["ro"]}]'
	set_args sh -c 'grep " /proc/tty " /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains "tmpfs"
}

@test "an unreachable seccomp agent is named in runc's words" {
	update_config --arg p "$BATS_TEST_TMPDIR/none.sock" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		listenerPath: $p, syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}'
	create_fails 'failed to connect with seccomp agent specified in the seccomp profile: dial unix .*none\.sock'
}

@test "a JSON type error names the array element" {
	update_config '.mounts[3].type = 7'
	create_fails 'mounts\[3\]\.type: cannot use a JSON number'
}

@test "a NUL byte from config.json is quoted in the error, never printed raw" {
	update_config '.root.path = "root\u0000fs"'
	create_fails 'root\.path'
	# (bash drops NULs from variables: look at the file itself)
	err=$BATS_TEST_TMPDIR/detached.$DETACHED_N.err
	[[ $(tr -d '\000' <"$err" | wc -c) == "$(wc -c <"$err")" ]] || fail "a raw NUL in: $(od -c <"$err" | head -5)"
	[[ $stderr == *'\x00'* ]] || fail "the NUL is not shown quoted: $stderr"
}

@test "an id longer than 255 bytes is refused before anything is made" {
	ID=$(printf 'a%.0s' $(seq 300))
	create_fails 'longer than 255 bytes'
	[[ -z $(ls -A "$ROOT") || $(ls -A "$ROOT") == .exe ]] || fail "left in the root: $(ls -A "$ROOT")"
}
