#!/usr/bin/env bats
# linux.resources on cgroup v1 (legacy and hybrid hosts): every field lands in its kernel file,
# read back from the host's hierarchy and from inside the container (cgroup namespace).

load helpers
load cgroups_helpers

@test "v1 cpu: shares, quota, period, burst, idle" {
	skip_unless_v1 cpu
	update_config '.linux.resources.cpu = {shares: 512, quota: 25000, period: 50000, burst: 1000, idle: 0}'
	run_probe 'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us'
	assert_cg cpu cpu.shares 512
	assert_cg cpu cpu.cfs_quota_us 25000
	assert_cg cpu cpu.cfs_period_us 50000
	[[ ! -e $(cg_dir cpu)/cpu.cfs_burst_us ]] || assert_cg cpu cpu.cfs_burst_us 1000
	[[ ! -e $(cg_dir cpu)/cpu.idle ]] || assert_cg cpu cpu.idle 0
	assert_equal "$(echo $probe)" "512 25000 50000" "inside the container"
}

@test "v1 cpu: shares out of the kernel's range is an error" {
	skip_unless_v1 cpu
	update_config '.linux.resources.cpu = {shares: 1}'
	use_cgroup_path
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "linux.resources.cpu.shares"
	cg_gone
}

@test "v1 cpu: realtime period and runtime" {
	skip_unless_v1 cpu
	[[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]] || skip "kernel without CONFIG_RT_GROUP_SCHED"
	# A child's realtime budget must fit in its parent's, and a new cgroup gets none.
	parent=/sys/fs/cgroup/cpu/berth-rt-$TEST_MARK
	mkdir "$parent"
	on_teardown "rmdir $parent/$ID $parent 2>/dev/null"
	echo 20000 >"$parent/cpu.rt_runtime_us"
	update_config --arg p "/berth-rt-$TEST_MARK/$ID" '.linux.cgroupsPath = $p | .linux.resources.cpu = {realtimePeriod: 500000, realtimeRuntime: 10000}'
	run_sleeper
	assert_equal "$(cat "$parent/$ID/cpu.rt_period_us")" 500000 rt_period_us
	assert_equal "$(cat "$parent/$ID/cpu.rt_runtime_us")" 10000 rt_runtime_us
}

@test "v1 cpuset: cpus and mems, and the container runs only there" {
	skip_unless_v1 cpuset
	last=$(($(nproc) - 1))
	update_config --arg c "$last" '.linux.resources.cpu = {cpus: $c, mems: "0"}'
	run_probe 'grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/cpuset/cpuset.cpus'
	assert_cg cpuset cpuset.cpus "$last"
	assert_cg cpuset cpuset.mems 0
	assert_output_contains "" # keeps bats quiet about unused output
	grep -qx "Cpus_allowed_list:	$last" <<<"$probe" || fail "inside: $probe"
}

@test "v1 cpuset: an empty cpuset is inherited from the parent" {
	skip_unless_v1 cpuset
	run_probe 'cat /sys/fs/cgroup/cpuset/cpuset.cpus'
	assert_cg cpuset cpuset.cpus "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)"
	assert_equal "$probe" "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)" "inside"
}

@test "v1 memory: limit, reservation, swap, swappiness, kernelTCP, disableOOMKiller, useHierarchy" {
	skip_unless_v1 memory
	update_config '.linux.resources.memory = {limit: 67108864, reservation: 33554432, swappiness: 10, disableOOMKiller: true, useHierarchy: true}'
	if [[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]]; then
		update_config '.linux.resources.memory.swap = 134217728'
	fi
	if [[ -e /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes ]]; then
		update_config '.linux.resources.memory.kernelTCP = 16777216'
	fi
	run_probe 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.soft_limit_in_bytes'
	assert_cg memory memory.limit_in_bytes 67108864
	assert_cg memory memory.soft_limit_in_bytes 33554432
	assert_cg memory memory.swappiness 10
	assert_cg memory memory.use_hierarchy 1
	grep -qx "oom_kill_disable 1" "$(cg_dir memory)/memory.oom_control" || fail "oom killer not disabled"
	[[ ! -e $(cg_dir memory)/memory.memsw.limit_in_bytes ]] || assert_cg memory memory.memsw.limit_in_bytes 134217728
	[[ ! -e $(cg_dir memory)/memory.kmem.tcp.limit_in_bytes ]] || assert_cg memory memory.kmem.tcp.limit_in_bytes 16777216
	assert_equal "$(echo $probe)" "67108864 33554432" "inside the container"
}

@test "v1 memory: swap below the memory limit is refused" {
	skip_unless_v1 memory
	[[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]] || skip "no swap accounting"
	update_config '.linux.resources.memory = {limit: 67108864, swap: 33554432}'
	use_cgroup_path
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "linux.resources.memory"
	cg_gone
}

@test "v1 pids: limit, and -1 means max" {
	skip_unless_v1 pids
	update_config '.linux.resources.pids = {limit: 20}'
	run_probe 'cat /sys/fs/cgroup/pids/pids.max'
	assert_cg pids pids.max 20
	assert_equal "$probe" 20 inside

	ID2=$(new_id)
	update_config '.linux.resources.pids = {limit: -1}'
	use_cgroup_path "$ID2"
	set_args sh -c 'cat /sys/fs/cgroup/pids/pids.max'
	run berth run --bundle "$BUNDLE" "$ID2"
	assert_success
	assert_equal "$output" max "pids.max for -1"
}

@test "v1 pids: the limit stops forks" {
	skip_unless_v1 pids
	update_config '.linux.resources.pids = {limit: 3}'
	use_cgroup_path
	# An inner shell forks until refused (busybox sh then gives up); the outer one counts what
	# is left with builtins only, and its exit kills the pid namespace.
	set_args sh -c 'sh -c "for i in 1 2 3 4 5; do sleep 30 & done"; read n </sys/fs/cgroup/pids/pids.current; echo current=$n'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_output_contains "can't fork"
	[[ $output =~ current=([0-9]+) ]] || fail "no count: $output"
	((BASH_REMATCH[1] <= 3)) || fail "pids.current ${BASH_REMATCH[1]} above the limit 3"
}

@test "v1 blkio: throttle read/write bps and iops" {
	skip_unless_v1 blkio
	dev=$(lsblk -dno MAJ:MIN 2>/dev/null | grep -v '^ *7:' | head -1 | tr -d ' ')
	[[ -n $dev ]] || dev=$(cat /sys/block/*/dev | grep -v '^7:' | head -1)
	[[ -n $dev ]] || skip "no block device"
	maj=${dev%:*} min=${dev#*:}
	update_config --argjson maj "$maj" --argjson min "$min" '.linux.resources.blockIO = {
		throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}],
		throttleWriteBpsDevice: [{major: $maj, minor: $min, rate: 2097152}],
		throttleReadIOPSDevice: [{major: $maj, minor: $min, rate: 100}],
		throttleWriteIOPSDevice: [{major: $maj, minor: $min, rate: 200}]}'
	run_probe 'cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device'
	assert_cg blkio blkio.throttle.read_bps_device "$dev 1048576"
	assert_cg blkio blkio.throttle.write_bps_device "$dev 2097152"
	assert_cg blkio blkio.throttle.read_iops_device "$dev 100"
	assert_cg blkio blkio.throttle.write_iops_device "$dev 200"
	assert_equal "$probe" "$dev 1048576" inside
}

@test "v1 blkio: weight and weight_device land in blkio(.bfq).weight*, or are a clear error without them" {
	skip_unless_v1 blkio
	dev=$(cat /sys/block/*/dev | grep -v '^7:' | head -1)
	[[ -n $dev ]] || skip "no block device"
	update_config --argjson maj "${dev%:*}" --argjson min "${dev#*:}" \
		'.linux.resources.blockIO = {weight: 300, weightDevice: [{major: $maj, minor: $min, weight: 400}]}'
	use_cgroup_path
	set_args true
	run berth run --keep --bundle "$BUNDLE" "$ID"
	# Weight files exist below the root only, with the BFQ or CFQ I/O scheduler.
	if [[ $status -eq 0 ]]; then
		d=$(cg_dir blkio)
		w=$(cat "$d/blkio.bfq.weight" 2>/dev/null || cat "$d/blkio.weight")
		[[ $w == *300* ]] || fail "weight: $w"
		wd=$(cat "$d/blkio.bfq.weight_device" 2>/dev/null || cat "$d/blkio.weight_device")
		grep -q "$dev 400" <<<"$wd" || fail "weight_device: $wd"
	elif [[ $output == *weightDevice* ]]; then
		# BFQ takes per-device weights only for devices it schedules (virtio disks use none).
		assert_output_contains "linux.resources.blockIO.weightDevice[0].weight"
		cg_gone
	else
		assert_output_contains "linux.resources.blockIO.weight"
		assert_output_contains "has no blkio"
		cg_gone
	fi
}

@test "v1 devices: deny by default, listed devices allowed, mknod of others refused" {
	skip_unless_v1 devices
	update_config '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 11, access: "rw"}]'
	run_probe 'mknod /tmp/mem c 1 1 && echo mem-made; mknod /tmp/kmsg c 1 11 && echo kmsg-made; head -c1 /dev/zero | wc -c'
	list=$(cg_read devices devices.list)
	grep -qx "c 1:11 rw" <<<"$list" || fail "1:11 not allowed: $list"
	grep -qx "c 1:3 rwm" <<<"$list" || fail "/dev/null not allowed: $list"
	grep -qx "a \*:\* rwm" <<<"$list" && fail "allows everything: $list"
	assert_equal "$(grep -c made <<<"$probe")" 0 "mknod without m access"
	grep -qx 1 <<<"$probe" || fail "/dev/zero unusable: $probe"
}

@test "v1 devices: a linux.devices node is usable only with a rule allowing it (as with runc)" {
	skip_unless_v1 devices
	update_config '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11}]'
	set_args sh -c 'echo berth-cgroup-test >/dev/kmsg && echo written'
	use_cgroup_path
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "not permitted"

	update_config '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "w"}]'
	ID2=$(new_id)
	use_cgroup_path "$ID2"
	run berth run --bundle "$BUNDLE" "$ID2"
	assert_success
	assert_equal "$output" written
}

@test "v1 controllers this host does not mount are a clear error when asked for" {
	is_cgroup2 && skip "needs cgroup v1"
	local asked=0
	for c in hugetlb net_cls net_prio rdma; do
		v1_mounted "$c" && continue
		case $c in
		hugetlb) filter='.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]' field=hugepageLimits ;;
		net_cls) filter='.linux.resources.network = {classID: 1048577}' field=network.classID ;;
		net_prio) filter='.linux.resources.network = {priorities: [{name: "lo", priority: 5}]}' field=network.priorities ;;
		rdma) filter='.linux.resources.rdma = {mlx5_0: {hcaHandles: 3}}' field=rdma ;;
		esac
		cp "$BUNDLE/config.json" "$BUNDLE/config.orig"
		update_config "$filter"
		use_cgroup_path
		run berth run --bundle "$BUNDLE" "$ID"
		assert_failure
		assert_output_contains "linux.resources.$field"
		assert_output_contains "$c"
		cg_gone
		mv "$BUNDLE/config.orig" "$BUNDLE/config.json"
		asked=$((asked + 1))
	done
	((asked > 0)) || skip "every optional controller is mounted here (covered by the read-back tests)"
}

@test "v1 hugetlb, net_cls, net_prio: values read back where mounted" {
	skip_unless_v1
	local tested=0
	if v1_mounted hugetlb; then
		update_config '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
		tested=1
	fi
	if v1_mounted net_cls; then
		update_config '.linux.resources.network.classID = 1048577'
		tested=1
	fi
	if v1_mounted net_prio; then
		update_config '.linux.resources.network.priorities = [{name: "lo", priority: 5}]'
		tested=1
	fi
	((tested)) || skip "none of hugetlb, net_cls, net_prio is mounted on this host"
	run_sleeper
	! v1_mounted hugetlb || assert_cg hugetlb hugetlb.2MB.limit_in_bytes 4194304
	! v1_mounted net_cls || assert_cg net_cls net_cls.classid 1048577
	! v1_mounted net_prio || grep -qx "lo 5" "$(cg_dir net_prio)/net_prio.ifpriomap" || fail ifpriomap
}

@test "v1 unified resources are refused on a v1 host" {
	skip_unless_v1
	update_config '.linux.resources.unified = {"pids.max": "10"}'
	use_cgroup_path
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "linux.resources.unified"
	cg_gone
}

@test "v1 cgroup namespace: the container sees its own cgroup as root, read-only" {
	skip_unless_v1 memory
	# `spec` adds no cgroup namespace on a v1 host (as runc's): this test asks for one.
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.namespaces += [{type: "cgroup"}]'
	run_probe 'grep -c ":/$" /proc/self/cgroup; wc -l </proc/self/cgroup; mkdir /sys/fs/cgroup/memory/x 2>/dev/null && echo writable; cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
	set -- $probe
	assert_equal "$1" "$2" "every hierarchy shows /"
	assert_equal "$3" 67108864 "the root memory limit is the container's"
}

@test "cgroup directories are gone after delete" {
	skip_unless_v1 memory
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 10}'
	run_sleeper
	[[ -d $(cg_dir memory) ]] || fail "no memory cgroup while running"
	berth delete --force "$ID"
	cg_gone
}

@test "cgroup directories are gone after a create that failed in Set" {
	skip_unless_v1 cpuset
	update_config '.linux.resources.cpu = {cpus: "4095"}'
	use_cgroup_path
	run_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "linux.resources.cpu.cpus"
	cg_gone
	run berth state "$ID"
	assert_failure
}
