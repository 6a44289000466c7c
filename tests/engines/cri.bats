#!/usr/bin/env bats
# Kubernetes' path: containerd's CRI plugin, driven with crictl (cri-tools 1.34, built by
# install.sh), its runtime "berth" = the runc v2 shim with BinaryName $BERTH, SystemdCgroup
# false, a private runtime root. Pods run the local pause image (catatonit) on a CNI bridge
# private to the lane (containerd.bash), in the cgroup parent /berth-lane-cri as kubelet's
# cgroupfs driver would give them, or under a .slice parent (see the last tests).

load helpers
load cli-scenarios
load containerd

POD_PARENT=berth-lane-cri
# containerd 1.6 turns a pod cgroup parent whose last element ends in .slice into
# "NAME.slice:cri-containerd:ID", even with SystemdCgroup = false; a runtime without
# --systemd-cgroup must take that as a cgroupfs path, relative to its own cgroup.
SLICE=berthlane.slice

setup_file() {
	lane_setup_file cri "$POD_PARENT"
	containerd_start cri
	containerd_import k8s.io "$IMAGES_DIR/busybox.tar"
	containerd_import k8s.io "$IMAGES_DIR/pause.tar"
	cat >"$ENGINE_DIR/crictl.yaml" <<-EOF
		runtime-endpoint: unix://$ENGINE_DIR/containerd.sock
		image-endpoint: unix://$ENGINE_DIR/containerd.sock
		timeout: 60
	EOF
	lane_wait 30 "the CRI plugin to list both images" cri_has_images
	lane_daemon_started
}

teardown_file() {
	cri_remove_all
	containerd_stop
	lane_teardown_file
	# The bridge plugin creates the bridge on first use and never deletes it; the pods'
	# veths must be gone with their network namespaces.
	local left=""
	if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
		left=$(ip -o link show master "$CNI_BRIDGE" | awk -F': ' '{print $2}' | tr '\n' ' ')
		ip link delete "$CNI_BRIDGE"
	fi
	[[ -z $left ]] || fail "veths left on $CNI_BRIDGE: $left"
}

setup() { lane_setup; }

teardown() {
	cri_remove_all
	lane_teardown
}

cri() { timeout -k 5 "$ENGINE_TIMEOUT" crictl --config "$ENGINE_DIR/crictl.yaml" "$@"; }
cri_has_images() {
	local images
	images=$(cri images -q --no-trunc 2>/dev/null && cri images 2>/dev/null)
	[[ $images == *localhost/busybox* && $images == *localhost/pause* ]]
}

cri_remove_all() {
	local ids
	ids=$(cri pods -q 2>/dev/null) || return 0
	[[ -z $ids ]] && return 0
	cri stopp $ids >/dev/null 2>&1 || true
	cri rmp -f $ids >/dev/null 2>&1 || true
}
engine_runtime_leftovers() {
	containerd_runtime_leftovers
	find /sys/fs/cgroup/ -maxdepth 4 -type d -name "$SLICE:cri-containerd:*" 2>/dev/null | sed 's/^/cgroup: /'
	# Pod network namespaces live under containerd's state directory.
	mounts_under "$ENGINE_DIR/state/io.containerd.grpc.v1.cri/netns" | sed 's/^/netns: /'
	if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
		ip -o link show master "$CNI_BRIDGE" | awk -F': ' '{print "veth: " $2}'
	fi
	return 0
}
engine_force_clean() {
	containerd_force_clean
	find /sys/fs/cgroup/ -maxdepth 4 -depth -type d -name "$SLICE:cri-containerd:*" -exec rmdir {} + 2>/dev/null
	return 0
}

# pod_config NAME [JQ FILTER]: a pod sandbox config file (printed: its path). Default: pod
# network on the lane's CNI, every namespace at pod level (pid too: POD = 0).
pod_config() {
	local file=$BATS_TEST_TMPDIR/pod-$1.json
	jq -n --arg name "$1" --arg uid "$LANE_MARK-$1" --arg logs "$BATS_TEST_TMPDIR/logs-$1" \
		--arg parent "/$POD_PARENT" '{
		metadata: {name: $name, namespace: "berth-lane", uid: $uid, attempt: 0},
		hostname: $name, log_directory: $logs,
		linux: {cgroup_parent: $parent,
			security_context: {namespace_options: {network: 0, pid: 0, ipc: 0}}}
	}' | jq "${2:-.}" >"$file"
	echo "$file"
}

# container_config NAME SCRIPT [JQ FILTER]: a container config running `sh -c SCRIPT`.
container_config() {
	local file=$BATS_TEST_TMPDIR/ctr-$1.json
	jq -n --arg name "$1" --arg script "$2" --arg mark "$LANE_MARK" --arg image "$BUSYBOX" '{
		metadata: {name: $name}, image: {image: $image},
		command: ["sh", "-c", $script], envs: [{key: "LANE_MARK", value: $mark}],
		log_path: ($name + ".log"),
		linux: {security_context: {namespace_options: {pid: 0}}}
	}' | jq "${3:-.}" >"$file"
	echo "$file"
}

# start_container POD_ID POD_CONFIG NAME SCRIPT [JQ FILTER]: create and start; prints the id.
start_container() {
	local id
	id=$(cri create "$1" "$(container_config "$3" "$4" "${5:-.}")" "$2") || return 1
	cri start "$id" >/dev/null || return 1
	echo "$id"
}

cstate() { cri inspect -o json "$1" | jq -r "$2"; }
cstate_is() { [[ $(cstate "$1" "$2") == "$3" ]]; }
cri_logs_contain() { cri logs "$1" 2>&1 | grep -qF -- "$2"; }
pid_of() { cstate "$1" .info.pid; }

@test "cri: runp on the CNI bridge; two containers share the pod's namespaces (pid too); exec, logs, stop, rm, stopp, rmp" {
	local podcfg pod c1 c2
	podcfg=$(pod_config web)
	pod=$(cri runp "$podcfg")
	assert_equal "$(cri inspectp -o json "$pod" | jq -r .status.state)" SANDBOX_READY "pod state"
	local ip
	ip=$(cri inspectp -o json "$pod" | jq -r .status.network.ip)
	[[ $ip == 10.213.77.* ]] || fail "pod ip '$ip' is not on the lane's subnet"

	c1=$(start_container "$pod" "$podcfg" one 'echo one-started; exec sleep 1000')
	c2=$(start_container "$pod" "$podcfg" two 'echo two-started; exec sleep 1001')
	wait_until 20 "c1's output" cri_logs_contain "$c1" one-started
	wait_until 20 "c2's output" cri_logs_contain "$c2" two-started
	# The runtime under test runs the pod's containers, with the private root.
	local id
	for id in "$pod" "$c1" "$c2"; do
		run timeout 10 "$BERTH" --root "$ENGINE_DIR/runtime-root/k8s.io" state "$id"
		assert_success
	done

	# One pid namespace for the pod: c2 sees c1's sleep and the pause process.
	run cri exec "$c2" ps -o pid,args
	assert_success
	assert_output_contains "sleep 1000"
	assert_output_contains "/catatonit -P"
	run cri exec "$c2" sh -c 'hostname; ip -o -4 addr show eth0'
	assert_success
	assert_output_contains web
	assert_output_contains "$ip/24"
	local ns p1 p2
	p1=$(pid_of "$c1") p2=$(pid_of "$c2")
	for ns in pid net ipc uts; do
		assert_equal "$(readlink "/proc/$p1/ns/$ns")" "$(readlink "/proc/$p2/ns/$ns")" "$ns namespace of the two containers"
	done
	[[ $(readlink "/proc/$p1/ns/mnt") != "$(readlink "/proc/$p2/ns/mnt")" ]] || fail "the containers share a mount namespace"
	run cri exec "$c1" sh -c 'exit 4'
	assert_failure
	assert_output_contains "exit code 4"

	run cri stop --timeout 10 "$c1"
	assert_success
	assert_equal "$(cstate "$c1" '.status.state + " " + (.status.exitCode | tostring)')" "CONTAINER_EXITED 143" "c1 after stop"
	run cri rm "$c1"
	assert_success
	run cri stopp "$pod"
	assert_success
	assert_equal "$(cstate "$c2" .status.state)" CONTAINER_EXITED "c2 after stopp"
	assert_equal "$(cri inspectp -o json "$pod" | jq -r .status.state)" SANDBOX_NOTREADY "pod after stopp"
	run cri rmp "$pod"
	assert_success
	run cri pods -q
	assert_equal "$output" "" "pods left"
	run cri ps -a -q
	assert_equal "$output" "" "containers left"
	no_marked_processes
}

@test "cri: stop: TERM trapped ends the container; TERM ignored is killed after the timeout" {
	local podcfg pod trapper ignorer start
	podcfg=$(pod_config stops)
	pod=$(cri runp "$podcfg")
	trapper=$(start_container "$pod" "$podcfg" trapper "$TERM_TRAPPER")
	ignorer=$(start_container "$pod" "$podcfg" ignorer 'trap "" TERM; echo ready; while :; do sleep 0.2; done')
	wait_until 20 "trapper's output" cri_logs_contain "$trapper" started
	wait_until 20 "ignorer's output" cri_logs_contain "$ignorer" ready

	run cri stop --timeout 30 "$trapper"
	assert_success
	assert_equal "$(cstate "$trapper" .status.exitCode)" 7 "exit code of the TERM trapper"
	run cri logs "$trapper"
	assert_output_contains got-term

	start=$SECONDS
	run cri stop --timeout 2 "$ignorer"
	assert_success
	(((SECONDS - start) >= 2 && (SECONDS - start) < 20)) || fail "stop --timeout 2 took $((SECONDS - start)) s"
	assert_equal "$(cstate "$ignorer" '.status.exitCode')" 137 "exit code after SIGKILL"
	assert_equal "$(cstate "$ignorer" '.status.reason')" Error "reason"
	cri rmp -f "$pod"
}

@test "cri: update and stats" {
	local podcfg pod c memcg
	podcfg=$(pod_config limits)
	pod=$(cri runp "$podcfg")
	c=$(start_container "$pod" "$podcfg" limited 'exec sleep 1000' '.linux.resources.memory_limit_in_bytes = 67108864')
	memcg=/sys/fs/cgroup/memory/$POD_PARENT/$c
	assert_equal "$(cat "$memcg/memory.limit_in_bytes")" 67108864 "memory limit at start"
	run cri update --memory 100663296 --cpu-quota 50000 --cpu-period 100000 "$c"
	assert_success
	assert_equal "$(cat "$memcg/memory.limit_in_bytes")" 100663296 "memory limit after update"
	assert_equal "$(cat "/sys/fs/cgroup/cpu/$POD_PARENT/$c/cpu.cfs_quota_us")" 50000 "cpu quota after update"
	assert_equal "$(cstate "$c" .status.resources.linux.memoryLimitInBytes)" 100663296 "CRI's view of the limit"
	run cri stats -o json --id "$c"
	assert_success
	[[ $(jq -r '.stats[0].memory.workingSetBytes.value' <<<"$output") -gt 0 ]] || fail "no memory in stats: $output"
	cri rmp -f "$pod"
}

@test "cri: OOM kill: reason OOMKilled, exit 137" {
	local podcfg pod c
	podcfg=$(pod_config oom)
	pod=$(cri runp "$podcfg")
	c=$(start_container "$pod" "$podcfg" hog 'sleep 0.5; tail /dev/zero' '.linux.resources.memory_limit_in_bytes = 33554432')
	wait_until 30 "the container to exit" cstate_is "$c" .status.state CONTAINER_EXITED
	assert_equal "$(cstate "$c" '.status.reason + " " + (.status.exitCode | tostring)')" "OOMKilled 137" "reason and exit code"
	cri rmp -f "$pod"
}

@test "cri: host-network pod" {
	local podcfg pod c
	# kubelet sets no hostname for a host-network pod: it shares the host's UTS namespace.
	podcfg=$(pod_config hostnet '.linux.security_context.namespace_options.network = 2 | del(.hostname)')
	pod=$(cri runp "$podcfg")
	c=$(start_container "$pod" "$podcfg" onhost 'exec sleep 1000')
	assert_equal "$(readlink "/proc/$(pid_of "$c")/ns/net")" "$(readlink /proc/self/ns/net)" "network namespace"
	run cri exec "$c" cat /proc/net/dev
	assert_success
	assert_output_contains "$(ip -o link show | awk -F': ' 'NR == 2 { print $2 }' | cut -d@ -f1):"
	cri stopp "$pod"
	cri rmp "$pod"
}

# Kubernetes' CRI validation runs every pod under /test.slice; containerd writes the
# container's cgroupsPath as "berthlane.slice:cri-containerd:ID" with SystemdCgroup = false.
@test "cri: a pod under a .slice cgroup parent (cgroupfs driver)" {
	local podcfg pod c dir
	podcfg=$(pod_config sliced ".linux.cgroup_parent = \"/$SLICE\"")
	pod=$(cri runp "$podcfg")
	c=$(start_container "$pod" "$podcfg" inslice 'exec sleep 1000' '.linux.resources.memory_limit_in_bytes = 67108864')
	dir=$(find /sys/fs/cgroup/memory/ -maxdepth 4 -type d -name "$SLICE:cri-containerd:$c")
	[[ -n $dir ]] || fail "no memory cgroup named $SLICE:cri-containerd:$c"
	assert_equal "$(cat "$dir/memory.limit_in_bytes")" 67108864 "memory limit"
	grep -qx "$(pid_of "$c")" "$dir/cgroup.procs" || fail "the container's process is not in $dir"
	run cri exec "$c" echo in-slice
	assert_success
	run cri stop --timeout 2 "$c"
	assert_success
	cri stopp "$pod"
	cri rmp "$pod"
	[[ -z $(find /sys/fs/cgroup/ -maxdepth 4 -name "$SLICE:cri-containerd:*") ]] || fail "cgroups left"
}
