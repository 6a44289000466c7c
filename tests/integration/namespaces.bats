#!/usr/bin/env bats
# New and joined namespaces, compared through /proc/self/ns links inside and outside.

load helpers

# ns_links_inside TYPE...: run the container printing "TYPE LINK" for each namespace.
ns_links_inside() {
	local script="" t
	for t in "$@"; do script+="echo $t \$(readlink /proc/self/ns/$t); "; done
	set_args sh -c "$script"
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
}

# inside TYPE: the link printed for TYPE by ns_links_inside.
inside() { awk -v t="$1" '$1 == t { print $2 }' <<<"$output"; }

# ensure_namespace TYPE: add a new namespace of TYPE unless the config already has one.
ensure_namespace() {
	update_config --arg t "$1" 'if any(.linux.namespaces[]; .type == $t) then . else .linux.namespaces += [{type: $t}] end'
}

@test "new uts, ipc, pid, net, mnt and cgroup namespaces differ from the host's" {
	for t in uts ipc pid network mount cgroup; do ensure_namespace "$t"; done
	ns_links_inside uts ipc pid net mnt cgroup
	for t in uts ipc pid net mnt cgroup; do
		[[ -n $(inside $t) ]] || fail "no $t link inside: $output"
		[[ $(inside $t) != "$(host_ns $t)" ]] || fail "$t namespace is the host's: $(inside $t)"
	done
}

@test "a new time namespace differs from the host's" {
	# runc 1.1 does not know the time namespace; berth does.
	ensure_namespace time
	ns_links_inside time
	[[ $(inside time) != "$(host_ns time)" ]] || fail "time namespace is the host's: $output"
}

@test "namespaces not in the config are the host's" {
	update_config '.linux.namespaces = [{type: "mount"}] | del(.hostname)'
	ns_links_inside uts ipc net cgroup mnt
	for t in uts ipc net cgroup; do
		assert_equal "$(inside $t)" "$(host_ns $t)" "$t namespace"
	done
	[[ $(inside mnt) != "$(host_ns mnt)" ]] || fail "mount namespace is the host's"
}

@test "the container's process is pid 1 of its new pid namespace" {
	set_args sh -c 'echo $$'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" 1 "pid inside"
}

@test "the hostname is set in the new uts namespace only" {
	update_config '.hostname = "berth-test-host"'
	set_args hostname
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" berth-test-host hostname
	[[ $(hostname) != berth-test-host ]] || fail "the host's hostname changed"
}

@test "joins an existing network namespace by path (ip netns)" {
	netns=berth-$TEST_MARK
	add_netns "$netns"
	ip netns exec "$netns" ip link set lo up
	update_config --arg p "/var/run/netns/$netns" \
		'.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = $p else . end]'
	ns_links_inside net
	assert_equal "$(inside net)" "net:[$(stat -L -c %i "/var/run/netns/$netns")]" "net namespace"
}

@test "joins the pid namespace of another container" {
	set_args sleep 100
	create_container "$ID"
	first_pid=$(container_pid "$ID")

	second_bundle=$BATS_TEST_TMPDIR/second
	make_bundle "$second_bundle"
	BUNDLE=$second_bundle update_config --arg p "/proc/$first_pid/ns/pid" \
		'.linux.namespaces = [.linux.namespaces[] | if .type == "pid" then .path = $p else . end]'
	BUNDLE=$second_bundle set_args sh -c 'readlink /proc/self/ns/pid; echo $$'
	run berth run --bundle "$second_bundle" "$(new_id)"
	assert_success
	assert_equal "${lines[0]}" "$(readlink "/proc/$first_pid/ns/pid")" "pid namespace"
	# The first container's init holds pid 1 there, so the second one is not 1.
	[[ ${lines[1]} != 1 ]] || fail "joined pid namespace but got pid 1"
}

@test "a new user namespace can join an existing network namespace (the CNI case)" {
	netns=berth-$TEST_MARK
	add_netns "$netns"
	update_config --arg p "/var/run/netns/$netns" '
		.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = $p else . end]
			+ [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		# sysfs cannot be mounted in a user namespace that does not own the netns.
		.mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "bind", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]} else . end)'
	ns_links_inside net user
	assert_equal "$(inside net)" "net:[$(stat -L -c %i "/var/run/netns/$netns")]" "net namespace"
	[[ $(inside user) != "$(host_ns user)" ]] || fail "user namespace is the host's"
}

@test "a nonexistent namespace path fails and leaves nothing" {
	update_config '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/var/run/netns/berth-no-such-netns" else . end]'
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains /var/run/netns/berth-no-such-netns
}

@test "a namespace path of the wrong type is refused" {
	update_config '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/proc/self/ns/uts" else . end]'
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
}

@test "without a mount namespace the container shares the host's and is chrooted into root.path" {
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "mount")] | .mounts = []'
	set_args sh -c 'readlink /proc/self/ns/mnt 2>/dev/null || echo no-proc; ls /; echo in-rootfs > /marker'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_contains bin
	[[ $(cat "$BUNDLE/rootfs/marker") == in-rootfs ]] || fail "the process did not write inside root.path"
	[[ ! -e /marker ]] || fail "wrote on the host's /"
	# Nothing was mounted in the host's mount namespace.
	! grep -q "$BUNDLE" /proc/self/mountinfo || fail "mounts left under the bundle"
}

@test "without a mount namespace a terminal still works (from the runtime's /dev/ptmx)" {
	# runc chroots as berth does, but first mounts config.json's mounts (devpts included)
	# in the runtime's own mount namespace and leaves them there after delete; with no
	# mounts its terminal finds no /dev/ptmx. Not run against runc: it would also make
	# the host's / rslave and bind the rootfs onto itself on the host.
	is_runc && skip "runc mounts into the runtime's mount namespace; berth mounts nothing there"
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "mount")] | .mounts = [] |
		.linux.maskedPaths = [] | .linux.readonlyPaths = [] | .process.terminal = true'
	touch "$BUNDLE/rootfs/marker-in-rootfs"
	set_args sh -c 'test -t 0 && test -t 1 && echo in-tty; test -e /marker-in-rootfs && echo chrooted'
	run script -qec "$BERTH --root $ROOT run --bundle $BUNDLE $ID" /dev/null
	assert_success
	assert_output_contains in-tty
	assert_output_contains chrooted
	! grep -q "$BUNDLE" /proc/self/mountinfo || fail "mounts left under the bundle"
}

@test "joins an existing mount namespace by path and builds the root inside it" {
	unshare --mount --propagation private sleep 1000 &
	holder=$!
	on_teardown "kill $holder"
	for _ in $(seq 50); do [[ $(readlink /proc/$holder/ns/mnt) != "$(host_ns mnt)" ]] && break; sleep 0.1; done
	update_config --arg p "/proc/$holder/ns/mnt" \
		'.linux.namespaces = [.linux.namespaces[] | if .type == "mount" then .path = $p else . end]'
	set_args readlink /proc/self/ns/mnt
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" "$(readlink /proc/$holder/ns/mnt)"
	! grep -q "$BUNDLE" /proc/self/mountinfo || fail "the container's mounts reached the host"
}

@test "a new network namespace has its loopback up, as with runc" {
	set_args sh -c 'cat /sys/class/net/lo/flags; ping -c 1 -W 2 127.0.0.1 >/dev/null 2>&1 || nc -z 127.0.0.1 1 2>&1; true'
	update_config '.process.capabilities.bounding += ["CAP_NET_RAW"] | .process.capabilities.effective += ["CAP_NET_RAW"] | .process.capabilities.permitted += ["CAP_NET_RAW"]'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	# IFF_UP is bit 0.
	(($(head -1 <<<"$output") & 1)) || fail "lo is down: $output"
	assert_output_not_contains "unreachable"
}

@test "a new cgroup namespace on the one-runtime path: rooted at the container's cgroups, cgroupfs mounted from it, joined by exec" {
	ensure_namespace cgroup
	# Each line of /proc/self/cgroup ends in ":/" in a namespace rooted at the container's
	# cgroups; /sys/fs/cgroup shows that root (no directory of the host's cgroups there).
	set_args sh -c 'echo roots $(grep -c ":/$" /proc/self/cgroup) of $(wc -l </proc/self/cgroup); ls /sys/fs/cgroup/*/ 2>/dev/null | grep -c "^berth$"; readlink /proc/self/ns/cgroup; exec sleep 1000'
	log=$BATS_TEST_TMPDIR/debug.log
	run_detached --debug --log "$log" --log-format json run -d --bundle "$BUNDLE" "$ID"
	assert_success
	for _ in $(seq 100); do grep -q "cgroup:" "$CONTAINER_OUT" && break; sleep 0.1; done
	read -r _ roots _ lines < <(grep ^roots "$CONTAINER_OUT")
	assert_equal "$roots" "$lines" "hierarchies rooted at the container's cgroup"
	assert_equal "$(sed -n 2p "$CONTAINER_OUT")" 0 "host cgroup directories under /sys/fs/cgroup"
	ns=$(sed -n 3p "$CONTAINER_OUT")
	[[ $ns != "$(host_ns cgroup)" ]] || fail "the host's cgroup namespace"
	run berth exec "$ID" sh -c 'readlink /proc/self/ns/cgroup; grep -vc ":/$" /proc/self/cgroup'
	assert_equal "$(echo $output)" "$ns 0" "exec: the container's cgroup namespace, rooted alike"
	is_runc && return
	assert_one_runtime_path "$log"
}
