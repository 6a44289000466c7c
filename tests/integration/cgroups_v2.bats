#!/usr/bin/env bats
# linux.resources on pure cgroup v2: every field lands in its unified file, v1-style values are
# converted as runc/crun do, and devices are filtered by an eBPF program. Runs in the VM lane
# (tests/vm); skipped on hosts whose /sys/fs/cgroup is not cgroup2.

# bats file_tags=vm

load helpers
load cgroups_helpers

@test "v2 cpu and cpuset: shares become cpu.weight, quota/period cpu.max, burst, idle, cpus, mems; parents delegate" {
	skip_unless_v2 cpu cpuset
	last=$(($(nproc) - 1))
	update_config --arg c "$last" '.linux.resources.cpu = {shares: 512, quota: 25000, period: 50000, burst: 1000, idle: 0, cpus: $c, mems: "0"}'
	run_probe 'cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight; grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/cgroup.controllers'
	assert_cg "" cpu.weight 59
	assert_cg "" cpu.max "25000 50000"
	assert_cg "" cpu.max.burst 1000
	[[ ! -e $(cg_dir "")/cpu.idle ]] || assert_cg "" cpu.idle 0
	assert_cg "" cpuset.cpus "$last"
	assert_cg "" cpuset.mems 0
	assert_equal "$(sed -n 1,2p <<<"$probe" | tr '\n' ' ')" "25000 50000 59 " inside
	grep -qx "Cpus_allowed_list:	$last" <<<"$probe" || fail "inside: $probe"
	# Apply enabled every controller in the parents, so the container's cgroup offers them.
	enabled=$(cat /sys/fs/cgroup/berth/cgroup.subtree_control)
	for c in cpu cpuset memory pids io; do
		v2_available "$c" || continue
		[[ " $enabled " == *" $c "* ]] || fail "$c not enabled in /berth: $enabled"
		[[ $(tail -1 <<<"$probe") == *"$c"* ]] || fail "$c not available inside: $probe"
	done
}

@test "v2 cpu: the default 1024 shares are the default weight 100; realtime is refused" {
	skip_unless_v2 cpu
	update_config '.linux.resources.cpu = {shares: 1024}'
	use_cgroup_path
	run_sleeper
	assert_cg "" cpu.weight 100
	ID2=$(new_id)
	use_cgroup_path "$ID2"
	update_config '.linux.resources.cpu = {realtimeRuntime: 1000}'
	run berth run --bundle "$BUNDLE" "$ID2"
	assert_failure
	assert_output_contains "realtime"
	cg_gone "$ID2"
}

@test "v2 memory: limit, swap (memory+swap converted), reservation, unified high/min/oom.group; cgroup namespace" {
	skip_unless_v2 memory
	update_config '.linux.resources.memory = {limit: 67108864, swap: 134217728, reservation: 33554432} |
		.linux.resources.unified = {"memory.high": "60000000", "memory.min": "1048576", "memory.oom.group": "1"}'
	run_probe 'cat /sys/fs/cgroup/memory.max /proc/self/cgroup; mkdir /sys/fs/cgroup/x 2>/dev/null && echo writable'
	assert_cg "" memory.max 67108864
	[[ ! -e $(cg_dir "")/memory.swap.max ]] || assert_cg "" memory.swap.max 67108864
	assert_cg "" memory.low 33554432
	# The kernel rounds to pages.
	assert_cg "" memory.high 59998208
	assert_cg "" memory.min 1048576
	assert_cg "" memory.oom.group 1
	# The container sees its own cgroup as the root, read-only.
	assert_equal "$probe" "67108864"$'\n'"0::/" inside
}

@test "v2 memory: what v2 lacks is refused by name" {
	skip_unless_v2 memory
	use_cgroup_path
	for filter in '.linux.resources.memory = {swappiness: 10}' '.linux.resources.memory = {kernelTCP: 1048576}' \
		'.linux.resources.memory = {disableOOMKiller: true}' '.linux.resources.network = {classID: 1}'; do
		cp "$BUNDLE/config.json" "$BUNDLE/config.orig"
		update_config "$filter"
		run berth run --bundle "$BUNDLE" "$ID"
		assert_failure
		assert_output_contains "linux.resources."
		cg_gone
		mv "$BUNDLE/config.orig" "$BUNDLE/config.json"
	done
}

@test "v2 io: weight and throttles land in io.weight/io.bfq.weight and io.max" {
	skip_unless_v2 io
	dev=$(cat /sys/block/vda/dev)
	update_config --argjson maj "${dev%:*}" --argjson min "${dev#*:}" '.linux.resources.blockIO = {weight: 500,
		throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}],
		throttleWriteIOPSDevice: [{major: $maj, minor: $min, rate: 200}]}'
	run_sleeper
	d=$(cg_dir "")
	if [[ -e $d/io.bfq.weight ]]; then
		grep -q 500 "$d/io.bfq.weight" || fail "io.bfq.weight: $(cat "$d/io.bfq.weight")"
	else
		grep -qx "default 4950" "$d/io.weight" || fail "io.weight: $(cat "$d/io.weight")"
	fi
	grep -q "^$dev rbps=1048576 wbps=max riops=max wiops=200" "$d/io.max" || fail "io.max: $(cat "$d/io.max")"
}

@test "v2 pids: limit and the fork refusal" {
	skip_unless_v2 pids
	update_config '.linux.resources.pids = {limit: 3}'
	use_cgroup_path
	set_args sh -c 'sh -c "for i in 1 2 3 4 5; do sleep 30 & done"; read n </sys/fs/cgroup/pids.current; echo current=$n; read m </sys/fs/cgroup/pids.max; echo max=$m'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_output_contains "can't fork"
	assert_output_contains "max=3"
}

@test "v2 hugetlb: limits per page size; an unknown size is refused by name" {
	skip_unless_v2 hugetlb
	[[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]] || skip "no 2MB huge pages"
	use_cgroup_path
	update_config '.linux.resources.hugepageLimits = [{pageSize: "3MB", limit: 4194304}]'
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "linux.resources.hugepageLimits[0].pageSize"
	cg_gone
	update_config '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
	run_sleeper
	assert_cg "" hugetlb.2MB.max 4194304
	[[ ! -e $(cg_dir "")/hugetlb.2MB.rsvd.max ]] || assert_cg "" hugetlb.2MB.rsvd.max 4194304
}

@test "v2 rdma and misc: available controllers take their files" {
	skip_unless_v2 rdma
	# No RDMA device in the VM: the kernel refuses the device name, and berth says which field.
	update_config '.linux.resources.rdma = {"mlx_none": {hcaHandles: 2}}'
	use_cgroup_path
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output_contains "linux.resources.rdma.mlx_none"
	cg_gone
	if v2_available misc && [[ -s /sys/fs/cgroup/misc.capacity ]]; then
		res=$(awk 'NR == 1 { print $1 }' /sys/fs/cgroup/misc.capacity)
		ID2=$(new_id)
		update_config --arg k "$res 0" 'del(.linux.resources.rdma) | .linux.resources.unified = {"misc.max": $k}'
		use_cgroup_path "$ID2"
		run_detached run -d --bundle "$BUNDLE" "$ID2"
		assert_success
		grep -q "^$res 0" "$(cg_dir "" "$ID2")/misc.max" || fail "misc.max: $(cat "$(cg_dir "" "$ID2")/misc.max")"
	fi
}

@test "v2 unified: keys must be control files of available controllers" {
	skip_unless_v2
	use_cgroup_path
	for key in '../../../etc/x' 'cgroup.procs' 'nodot' 'rdmaa.max' '.'; do
		update_config --arg k "$key" '.linux.resources.unified = {($k): "1"}'
		run berth run --bundle "$BUNDLE" "$ID"
		assert_failure
		assert_output_contains "linux.resources.unified"
		cg_gone
	done
	[[ ! -e /etc/x ]] || fail "a unified key wrote outside the cgroup"
}

@test "v2 devices: eBPF filter denies by default and allows the defaults and the listed rules" {
	skip_unless_v2
	update_config '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11}] |
		.linux.resources.devices = [{allow: false, access: "rwm"}]'
	set_args sh -c 'echo x >/dev/kmsg && echo kmsg-written; mknod /tmp/m c 1 1 && echo mem-made; head -c 3 /dev/zero | wc -c; echo y >/dev/null && echo null-ok'
	use_cgroup_path
	run berth run --bundle "$BUNDLE" "$ID"
	assert_output_not_contains kmsg-written
	assert_output_not_contains mem-made
	assert_output_contains null-ok
	assert_output_contains 3

	ID2=$(new_id)
	use_cgroup_path "$ID2"
	update_config '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "w"}]'
	run berth run --bundle "$BUNDLE" "$ID2"
	assert_output_contains kmsg-written
	assert_output_not_contains mem-made
}

@test "v2 cgroup directories are gone after delete and after a failed create" {
	skip_unless_v2 memory
	update_config '.linux.resources.memory = {limit: 67108864}'
	run_sleeper
	[[ -d $(cg_dir "") ]] || fail "no cgroup while running"
	berth delete --force "$ID"
	cg_gone
	ID2=$(new_id)
	use_cgroup_path "$ID2"
	update_config '.linux.resources.cpu = {cpus: "4095"}'
	run_detached create --bundle "$BUNDLE" "$ID2"
	assert_failure
	cg_gone "$ID2"
}
