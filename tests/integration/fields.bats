#!/usr/bin/env bats
# The runtime-spec 1.1-1.3 process and linux fields: personality, scheduler, ioPriority,
# execCPUAffinity, memoryPolicy, timeOffsets, netDevices, idmapped and recursive mounts,
# and the clear errors for what this host lacks (AppArmor, SELinux, resctrl).
# process.consoleSize is tested in terminal.bats, process.user.umask in process.bats.

load helpers

# add_mount JSON: append one entry to .mounts.
add_mount() { update_config --argjson m "$1" '.mounts += [$m]'; }

# stat_field N: field N of the /proc/<pid>/stat line in $1 (after the comm field, which
# is in parentheses and may hold spaces).
stat_field() { sed 's/^.*) //' <<<"$1" | awk -v n="$(($2 - 2))" '{ print $n }'; }

# start_sleeper: a detached container running sleep, ready for exec.
start_sleeper() {
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	[[ $status -eq 0 ]] || fail "run -d failed ($status): $output"
}

@test "linux.personality LINUX32: uname reports a 32-bit machine, in exec'd processes too" {
	[[ $(uname -m) == x86_64 ]] || skip "needs an x86_64 host (LINUX32 shows i686 there)"
	update_config '.linux.personality = {domain: "LINUX32"}'
	start_sleeper
	run berth exec "$ID" uname -m
	assert_success
	assert_equal "$output" i686 "exec'd uname -m"
	pid=$(container_pid "$ID")
	# PER_LINUX32 is 0x0008.
	assert_equal "$(cat /proc/"$pid"/personality)" 00000008 "init's persona"
}

@test "linux.personality LINUX keeps the host's machine; an unknown domain is refused" {
	update_config '.linux.personality = {domain: "LINUX"}'
	set_args uname -m
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" "$(uname -m)"
	update_config '.linux.personality = {domain: "LINUX64"}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_one_line_error 'linux\.personality\.domain: "LINUX64"'
}

@test "personality, scheduler, I/O priority and execCPUAffinity on the one-runtime path, for the first process and exec" {
	[[ $(uname -m) == x86_64 ]] || skip "needs an x86_64 host (LINUX32 shows i686 there)"
	[[ $(nproc --all) -ge 2 ]] || skip "needs two CPUs"
	runc_older_than 1.2 && skip "runc 1.1 does not know these fields"
	update_config '.linux.personality = {domain: "LINUX32"} |
		.process.scheduler = {policy: "SCHED_BATCH", nice: 5} |
		.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0} |
		.process.execCPUAffinity = {final: "1"}'
	set_args sh -c 'uname -m; ionice; cut -d" " -f19 /proc/self/stat; exec sleep 1000'
	log=$BATS_TEST_TMPDIR/run.log
	run_detached --debug --log "$log" --log-format json run -d --bundle "$BUNDLE" "$ID"
	assert_success
	for _ in $(seq 100); do [[ $(wc -l <"$CONTAINER_OUT") -ge 3 ]] && break; sleep 0.1; done
	assert_equal "$(echo $(cat "$CONTAINER_OUT"))" "i686 idle 5" "machine, I/O class, nice of the first process"
	pid=$(container_pid "$ID")
	assert_equal "$(stat_field "$(cat /proc/"$pid"/stat)" 41)" 3 "policy (SCHED_BATCH)"
	run berth --debug --log "$BATS_TEST_TMPDIR/exec.log" --log-format json exec "$ID" \
		sh -c 'uname -m; ionice; cut -d" " -f19,41 /proc/self/stat; grep Cpus_allowed_list /proc/self/status'
	assert_success
	assert_equal "$(echo $output)" "i686 idle 5 3 Cpus_allowed_list: 1" "exec: machine, I/O class, nice and policy, CPUs"
	is_runc && return
	assert_one_runtime_path "$log"
	assert_one_runtime_path "$BATS_TEST_TMPDIR/exec.log"
}

@test "process.scheduler: SCHED_BATCH with a nice value" {
	update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 7}'
	set_args cat /proc/self/stat
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	# stat field 19 is nice, 41 the policy (SCHED_BATCH = 3).
	assert_equal "$(stat_field "$output" 19)" 7 nice
	assert_equal "$(stat_field "$output" 41)" 3 policy
}

@test "process.scheduler: SCHED_FIFO with a priority, given real-time cgroup time" {
	[[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]] || skip "needs cgroup v1 real-time group scheduling"
	# The container's cgroup can only be given real-time time its parent has: the test
	# makes a parent of its own, lends it some, and removes it again.
	parent=/sys/fs/cgroup/cpu/berth-$TEST_MARK-rt
	mkdir "$parent"
	on_teardown "echo 0 > $parent/cpu.rt_runtime_us; rmdir $parent"
	echo 20000 >"$parent/cpu.rt_runtime_us" || fail "cannot give $parent real-time time"
	update_config --arg p "/berth-$TEST_MARK-rt/$ID" '.linux.cgroupsPath = $p |
		.process.scheduler = {policy: "SCHED_FIFO", priority: 10} |
		.linux.resources.cpu = {realtimePeriod: 1000000, realtimeRuntime: 10000}'
	set_args cat /proc/self/stat
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(stat_field "$output" 41)" 1 "policy (SCHED_FIFO)"
	assert_equal "$(stat_field "$output" 40)" 10 rt_priority
}

@test "process.scheduler: a real-time policy without cgroup time is a clear error" {
	[[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]] || skip "needs cgroup v1 real-time group scheduling"
	update_config '.process.scheduler = {policy: "SCHED_RR", priority: 5}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'process\.scheduler: sched_setattr\(policy 2\): operation not permitted'
}

@test "process.scheduler: invalid values name the field" {
	update_config '.process.scheduler = {policy: "SCHED_OTHER", nice: 40}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'process\.scheduler\.nice: 40 is outside'
}

@test "process.ioPriority: the idle class, seen with ionice inside" {
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
	set_args ionice
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" idle
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_equal "$output" "best-effort: prio 6"
}

@test "process.execCPUAffinity: final pins exec'd processes, not init" {
	[[ $(nproc --all) -ge 2 ]] || skip "needs two CPUs"
	update_config '.process.execCPUAffinity = {initial: "0", final: "1"}'
	start_sleeper
	run berth exec "$ID" grep Cpus_allowed_list /proc/self/status
	assert_success
	assert_equal "$(awk '{print $2}' <<<"$output")" 1 "exec'd process"
	# runtime-spec: the setting does not apply to the container's init.
	pid=$(container_pid "$ID")
	assert_equal "$(awk '/Cpus_allowed_list/ {print $2}' /proc/"$pid"/status)" "$(awk '/Cpus_allowed_list/ {print $2}' /proc/self/status)" "init"
	# A --process file carries its own.
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'JSON'
	{"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/", "env": ["PATH=/bin"],
	 "execCPUAffinity": {"final": "0"}}
	JSON
	run berth exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	assert_success
	assert_equal "$(awk '{print $2}' <<<"$output")" 0 "--process file's final"
}

@test "process.execCPUAffinity: a malformed CPU list names the field" {
	update_config '.process.execCPUAffinity = {initial: "1-0"}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'process\.execCPUAffinity\.initial: "1-0" is not a list'
}

@test "linux.memoryPolicy: MPOL_BIND shows in numa_maps, of exec'd processes too" {
	[[ -e /proc/self/numa_maps ]] || skip "needs a NUMA kernel"
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_STATIC_NODES"]}'
	start_sleeper
	run berth exec "$ID" cat /proc/self/numa_maps
	assert_success
	# The task's policy shows on every mapping without a policy of its own.
	grep -q ' bind=static:0 ' <<<"$output" || grep -q ' bind:0 ' <<<"$output" || fail "no bind policy: $output"
	pid=$(container_pid "$ID")
	grep -q ' bind=static:0 \| bind:0 ' /proc/"$pid"/numa_maps || fail "init: $(head -3 /proc/"$pid"/numa_maps)"
}

@test "linux.memoryPolicy: a node the host lacks is a clear error" {
	[[ -e /proc/self/numa_maps ]] || skip "needs a NUMA kernel"
	[[ ! -e /sys/devices/system/node/node63 ]] || skip "the host has node 63"
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "63"}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'linux\.memoryPolicy: set_mempolicy\(mode 0x2, nodes \[63\]\): invalid argument'
}

@test "linux.timeOffsets: the container's clocks are shifted" {
	[[ -e /proc/self/timens_offsets ]] || skip "needs time namespaces"
	update_config '.linux.namespaces += [{type: "time"}] |
		.linux.timeOffsets = {boottime: {secs: 864000000}, monotonic: {secs: 1000, nanosecs: 5}}'
	set_args sh -c 'cat /proc/self/timens_offsets; cut -d" " -f1 /proc/uptime'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(awk '$1 == "monotonic" {print $2, $3}' <<<"$output")" "1000 5" monotonic
	assert_equal "$(awk '$1 == "boottime" {print $2, $3}' <<<"$output")" "864000000 0" boottime
	uptime=${lines[2]%.*}
	((uptime >= 864000000)) || fail "uptime $uptime is not shifted by 10000 days"
}

@test "linux.timeOffsets: without a time namespace it is refused" {
	update_config '.linux.timeOffsets = {boottime: {secs: 1}}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'linux\.timeOffsets: set, but linux\.namespaces has no time namespace'
}

# add_dummy NAME: a virtual interface on the host (dummy, or ifb where the kernel has no
# dummy driver), removed at teardown if still there.
add_dummy() {
	ip link add "$1" type dummy 2>/dev/null || ip link add "$1" type ifb || fail "ip link add $1"
	on_teardown "ip link delete '$1' 2>/dev/null"
}

@test "linux.netDevices: a host interface moves in, renamed, with its address, and up" {
	dev=bd$RANDOM
	add_dummy "$dev"
	ip addr add 10.123.45.6/24 dev "$dev"
	ip -6 addr add fd00:1234::6/64 dev "$dev" nodad
	update_config --arg dev "$dev" '.linux.netDevices = {($dev): {name: "ctr0"}}'
	set_args sh -c 'ip -o addr show dev ctr0; ip -o link show dev ctr0; echo ready > /tmp/ready; sleep 1000'
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/tmp/ready"
	out=$(cat "$CONTAINER_OUT")
	[[ $out == *"inet 10.123.45.6/24"* ]] || fail "IPv4 address not kept: $out"
	[[ $out == *"inet6 fd00:1234::6/64"* ]] || fail "IPv6 address not kept: $out"
	[[ $out == *"<"*"UP"*">"* ]] || fail "not up: $out"
	! ip link show "$dev" 2>/dev/null || fail "$dev is still on the host"
	# runtime-spec: the runtime does not move it back; a virtual device dies with the
	# container's network namespace.
	run berth delete --force "$ID"
	assert_success
	for _ in $(seq 50); do
		ip link show "$dev" >/dev/null 2>&1 || ip link show ctr0 >/dev/null 2>&1 || break
		sleep 0.1
	done
	! ip link show ctr0 2>/dev/null || fail "ctr0 came back to the host"
	! ip link show "$dev" 2>/dev/null || fail "$dev came back to the host"
}

@test "linux.netDevices: a %d template is numbered by the kernel" {
	dev=bd$RANDOM
	add_dummy "$dev"
	update_config --arg dev "$dev" '.linux.netDevices = {($dev): {name: "eth%d"}}'
	set_args sh -c 'ip -o link show | grep -v " lo:" | cut -d" " -f2'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$output" "eth0:"
}

@test "linux.netDevices: a name already in the container, or a missing device, is an error" {
	dev=bd$RANDOM
	add_dummy "$dev"
	update_config --arg dev "$dev" '.linux.netDevices = {($dev): {name: "lo"}}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error "linux\.netDevices\[\"$dev\"\]: move into the container's network namespace as lo: file exists"
	ip link show "$dev" >/dev/null || fail "$dev is lost after the failed move"
	update_config '.linux.netDevices = {"nosuchdev0": {}}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_one_line_error 'linux\.netDevices\["nosuchdev0"\]: no network interface "nosuchdev0"'
}

# owned_dir: a host directory and file owned by root, for the idmap tests.
owned_dir() {
	host=$BATS_TEST_TMPDIR/idmapsrc
	mkdir -p "$host"
	echo data >"$host/file"
	chown 0:0 "$host" "$host/file"
	chmod 0777 "$host"
}

@test "idmapped mount: files owned by host root show as the mapped ids" {
	owned_dir
	add_mount "{\"destination\": \"/idmapped\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"bind\", \"idmap\"],
		\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 10}],
		\"gidMappings\": [{\"containerID\": 0, \"hostID\": 2000, \"size\": 10}]}"
	set_args sh -c 'stat -c %u:%g /idmapped/file; echo new > /idmapped/new; stat -c %u:%g /idmapped/new'
	update_config '.process.user = {uid: 1001, gid: 2001}'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" 1000:2000 "host root's file, inside"
	assert_equal "${lines[1]}" 1001:2001 "a file made by 1001:2001, inside"
	# Written through the mapping: 1001 inside is 1 on disk.
	assert_equal "$(stat -c %u:%g "$host/new")" 1:1 "that file on the host"
	assert_equal "$(stat -c %u:%g "$host/file")" 0:0 "host view unchanged"
}

@test "idmapped mount: idmap alone uses the container's user namespace mappings" {
	owned_dir
	update_config '
		.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	# Root of the user namespace cannot create mount points in the host-owned rootfs.
	mkdir "$BUNDLE/rootfs/idmapped" "$BUNDLE/rootfs/plain"
	add_mount "{\"destination\": \"/idmapped\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"bind\", \"idmap\"]}"
	add_mount "{\"destination\": \"/plain\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"bind\"]}"
	set_args sh -c 'stat -c %u:%g /idmapped/file /plain/file; echo x > /idmapped/byroot && echo WROTE'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "${lines[0]}" 0:0 "idmapped: host root is the container's root"
	assert_equal "${lines[1]}" 65534:65534 "plain bind: host root is unmapped"
	assert_equal "${lines[2]}" WROTE
	assert_equal "$(stat -c %u "$host/byroot")" 0 "the container root's file on the host"
}

@test "idmapped mount: ridmap maps the submounts of an rbind, idmap only its top" {
	owned_dir
	mkdir -p "$host/sub"
	mount -t tmpfs -o size=64k berth-test "$host/sub"
	on_teardown "umount '$host/sub'"
	touch "$host/sub/f"
	maps='"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]'
	add_mount "{\"destination\": \"/r\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\", \"ridmap\"], $maps}"
	add_mount "{\"destination\": \"/i\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\", \"idmap\"], $maps}"
	set_args stat -c %u /r/file /r/sub/f /i/file /i/sub/f
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_equal "$(tr '\n' ' ' <<<"$output")" "1000 1000 1000 0 " "owners under ridmap, then idmap"
}

@test "idmapped mount: on a non-bind mount, or without mappings or user namespace, it is refused" {
	add_mount '{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'mounts\[[0-9]+\]\.options: idmapped mounts are supported for bind mounts only'
	update_config '.mounts |= .[:-1]'
	owned_dir
	add_mount "{\"destination\": \"/idmapped\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"bind\", \"idmap\"]}"
	run --separate-stderr berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_one_line_error 'idmap without uidMappings/gidMappings needs a user namespace'
}

@test "idmapped mount: idmap alone in a joined user namespace uses that namespace's mappings" {
	skip_if_runc_before 1.2 "idmapped mounts"
	owned_dir
	# Container A owns the user namespace; B joins it through a bind of its nsfs file
	# (no pid in the path: the runtime finds a process in it to read the maps from).
	bundle_b=$BATS_TEST_TMPDIR/bundle-b
	make_bundle "$bundle_b"
	update_config '
		.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID"
	assert_success
	nsfile=$BATS_TEST_TMPDIR/userns
	touch "$nsfile"
	mount --bind "/proc/$(container_pid "$ID")/ns/user" "$nsfile"
	on_teardown "umount '$nsfile'"
	mkdir "$bundle_b/rootfs/idmapped"
	BUNDLE=$bundle_b update_config --arg ns "$nsfile" --arg src "$host" '
		.linux.namespaces += [{type: "user", path: $ns}] |
		.mounts += [{destination: "/idmapped", type: "bind", source: $src, options: ["bind", "idmap"]}] |
		.process.args = ["stat", "-c", "%u:%g", "/idmapped/file"]'
	run berth run --bundle "$bundle_b" "$(new_id)"
	assert_success
	assert_equal "$output" 0:0 "host root's file, through the joined namespace's mapping"
}

@test "rro: a recursive read-only bind makes its submounts read-only too" {
	host=$BATS_TEST_TMPDIR/rrosrc
	mkdir -p "$host/sub"
	mount -t tmpfs -o size=64k berth-test "$host/sub"
	on_teardown "umount '$host/sub'"
	add_mount "{\"destination\": \"/rro\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\", \"rro\"]}"
	add_mount "{\"destination\": \"/ro\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\", \"ro\"]}"
	set_args sh -c 'touch /rro/sub/x 2>/dev/null && echo rro-sub-writable; touch /ro/sub/y 2>/dev/null && echo ro-sub-writable; true'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output_not_contains rro-sub-writable
	# Plain ro only covers the top mount: the difference rro makes.
	assert_output_contains ro-sub-writable
}

@test "process.apparmorProfile: refused with a clear error where AppArmor is not enabled" {
	[[ ! -e /sys/kernel/security/apparmor ]] || skip "AppArmor is enabled here"
	update_config '.process.apparmorProfile = "berth-test"'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'process\.apparmorProfile: AppArmor is not enabled on this host'
	update_config '.process.apparmorProfile = ""'
	start_sleeper
	run --separate-stderr berth exec --apparmor berth-test "$ID" true
	assert_failure
	assert_one_line_error 'apparmor: AppArmor is not enabled on this host'
}

@test "process.selinuxLabel is refused, linux.mountLabel ignored, where SELinux is disabled" {
	[[ ! -e /sys/fs/selinux/enforce ]] || skip "SELinux is enabled here"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'process\.selinuxLabel: SELinux is disabled or not supported on this host'
	# A mount label has no meaning without SELinux: as with runc, the container runs.
	update_config '.process.selinuxLabel = "" | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	set_args sh -c 'grep " /dev " /proc/self/mountinfo'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_not_contains context=
}

@test "linux.intelRdt: refused with a clear error where no resctrl filesystem is mounted" {
	! grep -q ' - resctrl ' /proc/self/mountinfo || skip "resctrl is mounted here"
	update_config '.linux.intelRdt = {closID: "berth-test"}'
	run --separate-stderr berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_one_line_error 'linux\.intelRdt: no resctrl filesystem is mounted'
}

# runtime_spec_schema: the schema directory of the runtime-spec module berth builds with.
runtime_spec_schema() {
	local dir
	dir=$(cd "$REPO_ROOT" && go list -m -f '{{.Dir}}' github.com/opencontainers/runtime-spec 2>/dev/null)
	echo "$dir/schema"
}

@test "features: valid against runtime-spec's features schema, and lists this build's support" {
	command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
	# Debian's python3 with python3-jsonschema, which make deps installs (not whatever
	# python3 comes first on PATH).
	py=/usr/bin/python3
	$py -c 'import jsonschema' 2>/dev/null || fail "$py has no jsonschema: run make deps (python3-jsonschema)"
	schema=$(runtime_spec_schema)
	[[ -f $schema/features-schema.json ]] || fail "no runtime-spec schema at $schema"
	berth features >"$BATS_TEST_TMPDIR/features.json"
	run $py - "$schema" "$BATS_TEST_TMPDIR/features.json" <<-'PY'
	import json, pathlib, sys, warnings
	import jsonschema
	warnings.simplefilter("ignore")
	schema_dir, doc = pathlib.Path(sys.argv[1]), json.load(open(sys.argv[2]))
	schema = json.load(open(schema_dir / "features-schema.json"))
	resolver = jsonschema.RefResolver(base_uri=schema_dir.as_uri() + "/", referrer=schema)
	jsonschema.Draft4Validator(schema, resolver=resolver).validate(doc)
	print("valid")
	PY
	assert_success
	assert_equal "$output" valid
	f=$BATS_TEST_TMPDIR/features.json
	assert_equal "$(jq -r '.linux.mountExtensions.idmap.enabled, .linux.netDevices.enabled, .linux.intelRdt.enabled,
		.linux.apparmor.enabled, .linux.selinux.enabled' "$f" | tr '\n' ' ')" "true true true true true " "linux extensions"
	assert_equal "$(jq -r '.linux.memoryPolicy.modes | length' "$f")" 7 "memory policy modes"
	assert_equal "$(jq -r '.linux.memoryPolicy.flags | sort | join(",")' "$f")" \
		MPOL_F_NUMA_BALANCING,MPOL_F_RELATIVE_NODES,MPOL_F_STATIC_NODES "memory policy flags"
	for opt in idmap ridmap rro rnosuid rbind; do
		jq -e --arg o "$opt" '.mountOptions | index($o)' "$f" >/dev/null || fail "mount option $opt not listed"
	done
	jq -e '.linux.namespaces | index("time")' "$f" >/dev/null || fail "time namespace not listed"
	jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY")' "$f" >/dev/null || fail "seccomp actions"
	assert_equal "$(jq -r '.linux.cgroup | [.v1, .v2, .systemd, .systemdUser] | map(tostring) | join(" ")' "$f")" \
		"true true true true" "cgroup drivers"
}
