#!/usr/bin/env bats
# Item: `delete --force` racing `create` of the same id (found in berth, see
# docs/security.md). Create holds the id's lock from the moment its directory exists to
# the end, so a concurrent delete --force waits and then removes either the container
# create made or what a failed create left: never a running container that no state
# knows about.

load helpers

# stray ID: what of ID runs or exists without a state: its cgroups, processes whose root
# is the bundle's rootfs.
stray() {
	find /sys/fs/cgroup/ -maxdepth 7 -type d -name "$1" 2>/dev/null | sed 's/^/cgroup: /'
	find /proc -mindepth 2 -maxdepth 2 -name root -lname "$BUNDLE/rootfs*" 2>/dev/null | sed 's/^/process: /'
}

@test "create-delete-race: delete --force racing create never leaves a container without state" {
	set_args sleep 100
	for i in $(seq "${RACE_ROUNDS:-30}"); do
		id=$(new_id)
		berth create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
		create=$!
		sleep "0.0$((RANDOM % 10))"
		berth delete --force "$id" >/dev/null 2>&1 || true
		wait "$create" || true
		if berth state "$id" >/dev/null 2>&1; then
			# Create won: the container is known, and delete removes all of it.
			run berth delete --force "$id"
			assert_success
		fi
		for _ in $(seq 20); do
			[[ -z $(stray "$id") ]] && break
			sleep 0.05
		done
		left=$(stray "$id")
		[[ -z $left ]] || fail "round $i: $id runs without a state: $left"
	done
}
