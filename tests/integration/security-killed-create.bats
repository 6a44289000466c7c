#!/usr/bin/env bats
# Class: orphans of a killed create (found in berth, see docs/security.md). A `create`
# killed at any point (SIGKILL, or SIGTERM as `timeout` sends it), then `delete --force`:
# nothing of the container may be left, no state, cgroup, process or mount. Every raw
# stage dies with its parent, init dies on end of file until create has saved the
# state, and what create makes is recorded before it is made.
#
# KILLED_CREATES sets the number of kills (default 24, ~1 min); the issue's figures are
# for 100: KILLED_CREATES=100 bats tests/integration/security-killed-create.bats, also
# with BERTH=/usr/sbin/runc to compare.

load helpers

# On pure cgroup v2 (the VM lane) the cgroup is made before init exists: run there too.
# bats test_tags=vm
@test "killed-create: create killed at random points, then delete --force, leaves nothing" {
	set_args sleep 100
	# A hook that makes the parent do host-side work, as engines' configs do.
	update_config '.hooks.prestart = [{path: "/bin/true"}]'
	work=$BATS_TEST_TMPDIR/work
	mkdir -p "$work"
	run "$REPO_ROOT/tests/integration/testdata/killed-create.sh" "$BERTH" "$ROOT" "$BUNDLE" "$work" "${KILLED_CREATES:-24}"
	echo "$output" | tail -n1 >&3
	assert_success
}

@test "killed-create: run -d killed at random points, then delete --force, leaves nothing" {
	# `run` of this config takes the one-runtime path (libcontainer/planpath.go): the
	# runtime's namespace thread builds the rootfs and the last stage waits for a commit.
	set_args sleep 100
	update_config '.hooks.prestart = [{path: "/bin/true"}]'
	work=$BATS_TEST_TMPDIR/work
	mkdir -p "$work"
	KILLED_CMD="run -d" run "$REPO_ROOT/tests/integration/testdata/killed-create.sh" "$BERTH" "$ROOT" "$BUNDLE" "$work" "${KILLED_CREATES:-24}"
	echo "$output" | tail -n1 >&3
	assert_success
}

@test "killed-create: run -d of a user-namespaced container killed at random points, then delete --force, leaves nothing" {
	# The one-runtime path with a user namespace (libcontainer/planuserns.go): the last
	# stage makes the filesystems, one of them late on request (a tmpfs without mode=),
	# and the runtime's thread enters its namespaces.
	set_args sleep 100
	update_config '.hooks.prestart = [{path: "/bin/true"}] |
		.mounts += [{destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid"]}] |
		.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	work=$BATS_TEST_TMPDIR/work
	mkdir -p "$work"
	KILLED_CMD="run -d" run "$REPO_ROOT/tests/integration/testdata/killed-create.sh" "$BERTH" "$ROOT" "$BUNDLE" "$work" "${KILLED_CREATES:-24}"
	echo "$output" | tail -n1 >&3
	assert_success
}

@test "killed-create: delete --force of a create that died right after reserving the id" {
	# The directory of a create killed before it recorded anything: delete --force
	# removes it, and the id can be used again.
	mkdir -p "$ROOT/$ID"
	run berth delete --force "$ID"
	assert_success
	[[ ! -e $ROOT/$ID ]] || fail "the directory is still there"
	set_args true
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
}
