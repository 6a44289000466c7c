#!/usr/bin/env bats
# berth run by an unprivileged user: a user namespace mapping the caller (one id without
# helpers, ranges through newuidmap/newgidmap from /etc/subuid), no cgroups where none
# are delegated, state under $XDG_RUNTIME_DIR.

load helpers

RL_USER=berth-rootless

setup() {
	berth_setup
	# The harness's own unprivileged user; useradd gives it /etc/subuid and /etc/subgid
	# ranges (Debian's login.defs), which the range test needs.
	id "$RL_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	XDG=$BATS_TEST_TMPDIR/xdg
	mkdir -p "$XDG"
	chown -R "$RL_USER:" "$ROOT" "$XDG" "$BUNDLE"
	chmod 700 "$XDG"
	rm "$BUNDLE/config.json"
	# The template every rootless user starts from, made by berth itself.
	(cd "$BUNDLE" && as_user "$BERTH" spec --rootless)
	update_config --arg mark "BERTH_TEST_MARK=$TEST_MARK" \
		'.process.terminal = false | .process.env += [$mark] | .root.readonly = false'
	chown "$RL_USER:" "$BUNDLE/config.json"
}

# as_user CMD...: CMD as the unprivileged user, with its own runtime directory.
as_user() {
	setpriv --reuid="$RL_USER" --regid="$RL_USER" --init-groups env XDG_RUNTIME_DIR="$XDG" HOME=/ "$@"
}

# rberth ARGS...: berth as the unprivileged user, on this test's state root.
rberth() { as_user timeout -k 5 "$BERTH_TIMEOUT" "$BERTH" --root "$ROOT" "$@"; }

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
