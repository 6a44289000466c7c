#!/usr/bin/env bats
# berth run by an unprivileged user: a user namespace mapping the caller (one id without
# helpers, ranges through newuidmap/newgidmap from /etc/subuid), no cgroups where none
# are delegated, state under $XDG_RUNTIME_DIR.

load helpers
load rootless_helpers
load cgroups_helpers

setup() {
	berth_setup
	rootless_setup
}

@test "rootless: the caller is root inside a user namespace that maps only it" {
	set_args sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map; grep CapEff /proc/self/status'
	run rberth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" 0
	assert_equal "$(echo ${lines[1]})" "0 $RL_UID 1"
	assert_equal "$(echo ${lines[2]})" "0 $RL_GID 1"
	assert_output_not_contains "CapEff:	0000000000000000"
}

@test "rootless: create, start, state, exec, kill and delete as the user" {
	set_args sleep 1000
	status=0
	rberth create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" || status=$?
	[[ $status -eq 0 ]] || fail "create: $(cat "$BATS_TEST_TMPDIR/err")"
	run rberth state "$ID"
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" created
	pid=$(jq -r .pid <<<"$output")
	assert_equal "$(stat -c %U /proc/$pid)" "$RL_USER" "owner of the container's init"
	run rberth start "$ID"
	assert_success
	run rberth exec "$ID" sh -c 'id -u; echo pid=$$'
	assert_success
	assert_equal "${lines[0]}" 0
	run rberth list -q
	assert_output_contains "$ID"
	run rberth kill "$ID" KILL
	assert_success
	for _ in $(seq 50); do [[ $(rberth state "$ID" | jq -r .status) == stopped ]] && break; sleep 0.1; done
	run rberth delete "$ID"
	assert_success
	[[ ! -e $ROOT/$ID ]] || fail "state left in $ROOT/$ID"
}

@test "rootless: the default state directory is \$XDG_RUNTIME_DIR/berth" {
	set_args true
	run as_user "$BERTH" run --bundle "$BUNDLE" "$ID"
	assert_success
	# The created init holds the caller's stdio: keep bats' pipe out of it.
	as_user "$BERTH" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "create failed"
	[[ -d $XDG/berth/$ID ]] || fail "no state under $XDG/berth"
	as_user "$BERTH" delete --force "$ID"
}

@test "rootless: id ranges from /etc/subuid go through newuidmap and newgidmap" {
	command -v newuidmap >/dev/null || fail "newuidmap missing (make deps installs uidmap)"
	sub_uid=$(awk -F: -v u="$RL_USER" '$1 == u { print $2 }' /etc/subuid)
	sub_gid=$(awk -F: -v u="$RL_USER" '$1 == u { print $2 }' /etc/subgid)
	[[ -n $sub_uid && -n $sub_gid ]] || fail "useradd gave $RL_USER no subordinate ids"
	update_config --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson su "$sub_uid" --argjson sg "$sub_gid" '
		.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $su, "size": 1000}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $sg, "size": 1000}] |
		.process.user = {"uid": 5, "gid": 5}'
	set_args sh -c 'cat /proc/self/uid_map; id -u; id -g'
	run rberth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains "$sub_uid"
	assert_equal "${lines[2]}" 5
	assert_equal "${lines[3]}" 5
}

# bats test_tags=vm
@test "rootless: no cgroup is made where none is delegated, and limits are a clear error" {
	set_args sleep 1000
	rberth create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "create failed"
	pid=$(rberth state "$ID" | jq -r .pid)
	assert_equal "$(cat /proc/$pid/cgroup)" "$(cat /proc/self/cgroup)" "the container stays in the caller's cgroups"
	rberth delete --force "$ID"
	id2=$(new_id)
	update_config '.linux.resources = {"pids": {"limit": 10}}'
	run --separate-stderr rberth run --bundle "$BUNDLE" "$id2"
	assert_failure
	assert_one_line_error 'linux\.resources.*not delegated'
	[[ ! -e $ROOT/$id2 ]] || fail "state left after the failed create"
}

@test "rootless: a config mapping someone else's uid is refused by the kernel, nothing left" {
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]'
	run --separate-stderr rberth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'uid'
	[[ ! -e $ROOT/$ID ]] || fail "state left after the failed create"
}

# delegate_cgroups NAME: what an administrator (or systemd's Delegate=) does to give the user
# a cgroup subtree: NAME in every cgroup hierarchy, owned by the user together with the files
# a delegatee writes. The caller must also sit in the subtree on cgroup2, where moving a
# process needs write access to the common ancestor's cgroup.procs: its child "shell" is for
# that. Sets DELEG_MOUNTS; undone at teardown.
delegate_cgroups() {
	local m f
	mapfile -t DELEG_MOUNTS < <(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo)
	for m in "${DELEG_MOUNTS[@]}"; do
		mkdir "$m/$1"
		on_teardown "rmdir '$m/$1/shell' 2>/dev/null; rmdir '$m/$1'"
		if [[ $(stat -fc %T "$m") == cgroup2fs ]]; then
			mkdir "$m/$1/shell"
			SHELL_CG=$m/$1/shell
			# The controllers the root offers, handed down to the subtree.
			for f in $(cat "$m/$1/cgroup.controllers"); do echo "+$f" >"$m/$1/cgroup.subtree_control"; done
		fi
		# A new v1 cpuset starts with no CPUs or memory nodes: the administrator gives it some.
		for f in cpuset.cpus cpuset.mems; do
			[[ -e $m/$f && -e $m/$1/$f ]] && cat "$m/$f" >"$m/$1/$f"
		done
		for f in "$m/$1" "$m/$1"/{cgroup.procs,tasks,cgroup.subtree_control,cgroup.threads}; do
			[[ -e $f ]] && chown "$RL_USER:" "$f"
		done
	done
}

# deleg_berth ARGS...: rberth from a shell inside the delegated cgroup2 subtree.
deleg_berth() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$SHELL_CG" \
		setpriv --reuid="$RL_USER" --regid="$RL_USER" --init-groups env XDG_RUNTIME_DIR="$XDG" HOME=/ \
		timeout -k 5 "$BERTH_TIMEOUT" "$BERTH" --root "$ROOT" "$@"
}

# bats test_tags=vm
@test "rootless: a cgroup delegated to the user is used, with its limits, and removed on delete" {
	deleg=$ID-deleg
	delegate_cgroups "$deleg"
	update_config --arg p "/$deleg/ctr" '.linux.cgroupsPath = $p | .linux.resources = {"pids": {"limit": 10}}'
	set_args sleep 1000
	deleg_berth run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
		fail "run -d: $(cat "$BATS_TEST_TMPDIR/err")"
	pid=$(rberth state "$ID" | jq -r .pid)
	# Every hierarchy puts init in the user's cgroup below the delegated one.
	run awk -F: -v want="/$deleg/ctr" '$3 != want { print "not moved: " $0 }' "/proc/$pid/cgroup"
	assert_equal "$output" "" "init's cgroups"
	if is_cgroup2; then pids_dir=/sys/fs/cgroup/$deleg/ctr; else pids_dir=/sys/fs/cgroup/pids/$deleg/ctr; fi
	assert_equal "$(cat "$pids_dir/pids.max")" 10 pids.max
	assert_equal "$(stat -c %U "$pids_dir")" "$RL_USER" "owner of the container's cgroup"
	run rberth delete --force "$ID"
	assert_success
	for m in "${DELEG_MOUNTS[@]}"; do
		[[ ! -e $m/$deleg/ctr ]] || fail "$m/$deleg/ctr left after delete"
		[[ -d $m/$deleg ]] || fail "delete removed $m/$deleg, which the administrator made"
	done
}
