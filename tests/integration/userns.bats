#!/usr/bin/env bats
# User namespaces: the mappings written, and root inside being an unprivileged uid outside.

load helpers

# with_userns: a new user namespace mapping 0..65535 inside to 100000.. outside.
with_userns() {
	update_config '
		.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
}

@test "uid_map and gid_map hold the configured mappings" {
	with_userns
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	read -r -a uid_map <<<"${lines[0]}"
	read -r -a gid_map <<<"${lines[1]}"
	assert_equal "${uid_map[*]}" "0 100000 65536" uid_map
	assert_equal "${gid_map[*]}" "0 200000 65536" gid_map
}

@test "the process is root inside and the mapped uid outside" {
	with_userns
	set_args sh -c 'id -u; id -g; grep -E "^(Uid|Gid):" /proc/self/status; echo ready > /tmp/ready; sleep 100'
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/tmp/ready"
	assert_equal "$(sed -n 1p "$CONTAINER_OUT")" 0 "id -u"
	assert_equal "$(sed -n 2p "$CONTAINER_OUT")" 0 "id -g"
	grep -qE '^Uid:\s+0\s+0\s+0\s+0$' "$CONTAINER_OUT" || fail "Uid inside: $(cat "$CONTAINER_OUT")"

	pid=$(container_pid "$ID")
	grep -qE '^Uid:\s+100000\s+100000\s+100000\s+100000$' "/proc/$pid/status" ||
		fail "Uid outside: $(grep ^Uid "/proc/$pid/status")"
	grep -qE '^Gid:\s+200000\s+200000\s+200000\s+200000$' "/proc/$pid/status" ||
		fail "Gid outside: $(grep ^Gid "/proc/$pid/status")"
	[[ $(readlink "/proc/$pid/ns/user") != "$(host_ns user)" ]] || fail "user namespace is the host's"
}

@test "a configured uid inside maps to its host uid" {
	with_userns
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_args sh -c 'id -u; echo ready > /tmp/ready; sleep 100'
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/tmp/ready"
	assert_equal "$(sed -n 1p "$CONTAINER_OUT")" 1000 "id -u"
	pid=$(container_pid "$ID")
	grep -qE '^Uid:\s+101000\s' "/proc/$pid/status" || fail "Uid outside: $(grep ^Uid "/proc/$pid/status")"
}

@test "root in a user namespace has no power over host-owned files" {
	with_userns
	# The rootfs belongs to host root, which is unmapped: it shows as the overflow uid.
	set_args sh -c 'stat -c %u /bin/busybox; touch /bin/new-file'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains 65534
	[[ ! -e $BUNDLE/rootfs/bin/new-file ]] || fail "wrote into a host-owned directory"
}

@test "user.* sysctls apply inside a user namespace, not on the host" {
	skip_if_runc_before 1.5 "user.* sysctls in a user namespace"
	# The user.max_* counters belong to each user namespace (runc 1.5 allows them there).
	with_userns
	host=$(cat /proc/sys/user/max_user_namespaces)
	set_args cat /proc/sys/user/max_user_namespaces
	# Either separator: the slash form once took berth's one-runtime path, whose thread
	# is in the host's user namespace (CVE-2025-52881 class; refused here only because
	# this machine's root lacks CAP_SYS_RESOURCE).
	for key in user.max_user_namespaces user/max_user_namespaces; do
		update_config --arg k "$key" '.linux.sysctl = {($k): "7"}'
		run berth run --bundle "$BUNDLE" "$ID"
		assert_success
		assert_equal "$output" 7 "$key inside"
		assert_equal "$(cat /proc/sys/user/max_user_namespaces)" "$host" "$key on the host"
	done
}

@test "IPC sysctls apply inside a user namespace (Kubernetes' kernel.shm_rmid_forced in a pod without host users)" {
	with_userns
	update_config '.linux.sysctl = {"kernel.shm_rmid_forced": "1", "kernel.msgmax": "9000", "fs.mqueue.msg_max": "20", "net.ipv4.ip_forward": "1"}'
	set_args cat /proc/sys/kernel/shm_rmid_forced /proc/sys/kernel/msgmax /proc/sys/fs/mqueue/msg_max /proc/sys/net/ipv4/ip_forward
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(echo $output)" "1 9000 20 1" "inside"
}

@test "user.* sysctls are refused without a user namespace" {
	update_config '.linux.sysctl = {"user.max_user_namespaces": "7"}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	is_runc || assert_one_line_error 'user\.max_user_namespaces.*user namespace'
}

@test "a bind source under a 0700 root-owned directory works in a user namespace" {
	# The runtime opens the source on the host side and hands it in (runc does too):
	# root in the container is an unprivileged uid on the host that could not reach it.
	with_userns
	locked=$BATS_TEST_TMPDIR/locked
	mkdir -p "$locked/data" && echo secret-ok >"$locked/data/file" && echo file-ok >"$locked/single"
	chmod 0700 "$locked"
	# The mount points: the rootfs belongs to the host's root, not the mapped one.
	mkdir "$BUNDLE/rootfs/data" && touch "$BUNDLE/rootfs/single"
	update_config --arg d "$locked/data" --arg f "$locked/single" '.mounts += [
		{destination: "/data", type: "bind", source: $d, options: ["rbind", "ro"]},
		{destination: "/single", type: "bind", source: $f, options: ["bind"]}]'
	set_args sh -c 'cat /data/file /single; cat /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]} ${lines[1]}" "secret-ok file-ok" "contents"
	[[ $(awk '$5 == "/data" {print $6}' <<<"$output") == ro,* ]] || fail "/data not ro: $output"
}

# userns_holder: a first container in a new user namespace (0 → 100000, 65536 ids) that
# sleeps; prints the path of its user namespace for a second container to join, as a pod's
# containers join the pod's.
userns_holder() {
	local holder=$BATS_TEST_TMPDIR/holder
	make_bundle "$holder"
	BUNDLE=$holder with_userns
	BUNDLE=$holder set_args sleep 1000
	run_detached run -d --bundle "$holder" "$ID-holder"
	[[ $status -eq 0 ]] || fail "holder: $output"
	echo "/proc/$(container_pid "$ID-holder")/ns/user"
}

@test "a joined user namespace with its own maps given too runs (containerd and CRI-O write both)" {
	path=$(userns_holder)
	with_userns
	update_config --arg p "$path" '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)'
	set_args sh -c 'readlink /proc/self/ns/user; cat /proc/self/uid_map; stat -c "%u %g" /dev/shm'
	log=$BATS_TEST_TMPDIR/debug.log
	run --separate-stderr berth --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" "$(readlink "$path")" "user namespace"
	read -r -a uid_map <<<"${lines[1]}"
	assert_equal "${uid_map[*]}" "0 100000 65536" uid_map
	# /dev/shm was made in the joined namespace, by its root.
	assert_equal "${lines[2]}" "0 0" "owner of /dev/shm"
	is_runc || [[ ${BERTH_NO_PLAN:-} == 1 ]] || assert_one_runtime_path "$log"
}

@test "a joined user namespace with different maps given is refused, naming both" {
	is_runc && skip "runc 1.1 ignores the maps (runc 1.2 refuses them)"
	path=$(userns_holder)
	with_userns
	update_config --arg p "$path" '.linux.namespaces |= map(if .type == "user" then .path = $p else . end) |
		.linux.uidMappings = [{containerID: 0, hostID: 300000, size: 65536}]'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'linux\.uidMappings \[0:300000:65536\] differ from the maps of the user namespace it joins .*: \[0:100000:65536\]'
}

# userns_probe: what a process sees of its own container: ids, maps, capabilities,
# every mount, the owners and modes of /dev and the mount points, whether root may
# remount its /dev/shm or mount a tmpfs, and the owner of a file it writes to /dev/shm.
userns_probe() {
	set_args sh -c 'id; cat /proc/self/uid_map /proc/self/gid_map; grep -E "^Cap" /proc/self/status; hostname
		sort /proc/self/mounts
		for f in /dev /dev/* /dev/pts/ptmx /dev/shm /dev/mqueue /sys/fs/cgroup /sys/fs/cgroup/* /proc/acpi /run /tmp /; do
			stat -c "%n %u %g %a %F" "$f"; done
		mount -o remount,size=2m /dev/shm 2>/dev/null; echo "remount shm: $?"
		mount -t tmpfs none /mnt 2>/dev/null; echo "mount tmpfs: $?"
		echo hi >/dev/shm/f && stat -c "written %u %g" /dev/shm/f'
}

@test "a user-namespaced container is built on the one-runtime path, and looks as when init builds it" {
	# The last stage makes the namespaces and the filesystems in the user namespace; the
	# runtime's thread attaches them (libcontainer/planuserns.go). Root inside owns its
	# /dev, /dev/shm and devpts as with init (gid 5 is 200005 outside).
	with_userns
	update_config '.mounts += [{destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=1m"]}] |
		.linux.maskedPaths += ["/proc/acpi"]'
	userns_probe
	log=$BATS_TEST_TMPDIR/plan.log
	run berth --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID"
	assert_success
	plan=$output
	is_runc || [[ ${BERTH_NO_PLAN:-} == 1 ]] || assert_one_runtime_path "$log"
	BERTH_NO_PLAN=1 run berth run --bundle "$BUNDLE" "$ID-init"
	assert_success
	[[ $plan == "$output" ]] || fail "one-runtime path and init differ: $(diff <(echo "$output") <(echo "$plan"))"
	for want in "/dev 0 0 755 directory" "/dev/shm 0 0 1777 directory" "/run 0 0 " "gid=200005" \
		"/dev/pts/ptmx 0 0 666 character special file" "written 0 0"; do
		[[ $plan == *"$want"* ]] || fail "no '$want' in: $plan"
	done
}

@test "a user-namespaced container with a terminal: the pty belongs to the process's user (one-runtime path)" {
	with_userns
	update_config '.process.terminal = true | .process.user = {uid: 1000, gid: 1000}'
	set_args sh -c 'stat -c "tty %u %g" $(tty); exit 3'
	log=$BATS_TEST_TMPDIR/plan.log
	run script -qec "$BERTH --root $ROOT --debug --log $log --log-format json run --bundle $BUNDLE $ID" /dev/null
	assert_failure 3
	[[ $(tr -d '\r' <<<"$output") == *"tty 1000 5"* ]] || fail "pty owner: $output"
	is_runc || [[ ${BERTH_NO_PLAN:-} == 1 ]] || assert_one_runtime_path "$log"
}

@test "a user-namespaced container whose tmpfs the kernel refuses fails naming the mount, leaving nothing" {
	with_userns
	update_config '.mounts += [{destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuchoption=1"]}]'
	set_args true
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	# The one-runtime path names the option the kernel refused; init's mount(2) cannot.
	is_runc || [[ $stderr == *"mounts[$n] (/run): mount tmpfs: "*"invalid argument"* ]] || fail "error: $stderr"
	is_runc || [[ ${BERTH_NO_PLAN:-} == 1 || $stderr == *"option nosuchoption=1"* ]] || fail "error: $stderr"
	run berth state "$ID"
	assert_failure
	[[ -z $(test_cgroups) ]] || fail "cgroups left: $(test_cgroups)"
}

# exec_probe: what an exec'd process sees of itself: ids, groups, capabilities, its
# working directory, HOME, umask, user namespace, and the owner of a file it writes.
exec_probe='id; grep -E "^(Uid|Gid|Groups|Cap|NoNewPrivs|Seccomp)" /proc/self/status; pwd; echo "HOME=$HOME"; umask
	cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user
	echo hi >/dev/shm/e-$(id -u) && stat -c "written %u %g" /dev/shm/e-$(id -u)'

@test "exec into a user-namespaced container takes the one-runtime path, and the process sees what init's exec gives it" {
	# The stages join the container's user namespace with the others; the runtime's
	# thread looks the executable up as the container's root (libcontainer/execplan.go).
	with_userns
	update_config '.process.capabilities.bounding += ["CAP_SETUID"]'
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	for user in 0:0 1000:1000; do
		log=$BATS_TEST_TMPDIR/exec-$user.log
		run berth --debug --log "$log" --log-format json exec --user "$user" --additional-gids 33 --cwd /tmp "$ID" sh -c "$exec_probe"
		assert_success
		plan=$output
		is_runc || [[ ${BERTH_NO_PLAN:-} == 1 ]] || assert_one_runtime_path "$log"
		BERTH_NO_PLAN=1 run berth exec --user "$user" --additional-gids 33 --cwd /tmp "$ID" sh -c "$exec_probe"
		assert_success
		[[ $plan == "$output" ]] || fail "--user $user: one-runtime path and init differ: $(diff <(echo "$output") <(echo "$plan"))"
		[[ $plan == *"written ${user%%:*} ${user##*:}"* ]] || fail "--user $user: $plan"
	done
	[[ $plan == *"groups=33"* && $plan == *"HOME=/home/user"* && $plan == *$'\n/tmp\n'* ]] || fail "probe: $plan"
	# Outside, the files belong to the mapped ids.
	pid=$(container_pid "$ID")
	assert_equal "$(stat -c '%u %g' "/proc/$pid/root/dev/shm/e-1000")" "101000 201000" "owner outside"
}

@test "exec with a terminal into a user-namespaced container: the pty belongs to the process's user (one-runtime path)" {
	with_userns
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	log=$BATS_TEST_TMPDIR/exec.log
	run script -qec "$BERTH --root $ROOT --debug --log $log --log-format json exec -t --user 1000:1000 $ID sh -c 'stat -c \"tty %u %g\" \$(tty); exit 3'" /dev/null
	assert_failure 3
	[[ $(tr -d '\r' <<<"$output") == *"tty 1000 5"* ]] || fail "pty owner: $output"
	is_runc || [[ ${BERTH_NO_PLAN:-} == 1 ]] || assert_one_runtime_path "$log"
}

@test "exec into a user-namespaced container as a user it does not map fails naming the field" {
	is_runc && skip "runc 1.1 fails in setresuid with a bare EINVAL"
	with_userns
	set_args sleep 100
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	run --separate-stderr berth exec --user 70000 "$ID" true
	assert_failure
	assert_one_line_error 'process\.user\.uid: 70000 is not mapped by linux\.uidMappings'
	run --separate-stderr berth exec --user 0:0 --additional-gids 70000 "$ID" true
	assert_failure
	assert_one_line_error 'process\.user\.additionalGids\[0\]: 70000 is not mapped by linux\.gidMappings'
}
