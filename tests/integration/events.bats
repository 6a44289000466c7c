#!/usr/bin/env bats
# events (--stats and the stream, OOM events), ps, kill --all, and OOM-killed exit codes.

load helpers
load cgroups_helpers

# bats test_tags=vm
@test "events --stats prints one stats event in runc's shape" {
	update_config '.linux.resources.memory = {limit: 134217728} | .linux.resources.pids = {limit: 50}'
	use_cgroup_path
	run_sleeper sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 1000'
	sleep 0.3
	run berth events --stats "$ID"
	assert_success
	assert_equal "$(wc -l <<<"$output")" 1 "one line"
	assert_equal "$(jq -r .type <<<"$output")" stats type
	assert_equal "$(jq -r .id <<<"$output")" "$ID" id
	assert_equal "$(jq -r .data.memory.usage.limit <<<"$output")" 134217728 "memory limit"
	(($(jq -r .data.memory.usage.usage <<<"$output") > 0)) || fail "no memory usage: $output"
	(($(jq -r .data.cpu.usage.total <<<"$output") > 0)) || fail "no cpu usage: $output"
	assert_equal "$(jq -r .data.pids.current <<<"$output")" 1 "pids.current"
	assert_equal "$(jq -r .data.pids.limit <<<"$output")" 50 "pids.limit"
	jq -e '.data.memory.raw | length > 0' <<<"$output" >/dev/null || fail "no raw memory stats"
}

# bats test_tags=vm
@test "events --stats: cpuset, per-CPU user/kernel times, PSI and network interfaces in runc 1.5's fields" {
	use_cgroup_path
	last=$(($(nproc) - 1))
	update_config --arg c "$last" '.linux.resources.cpu = {cpus: $c}'
	run_sleeper sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 1000'
	sleep 0.3
	run berth events --stats "$ID"
	assert_success
	d=$(jq -c .data <<<"$output")
	assert_equal "$(jq -c .cpuset.cpus <<<"$d")" "[$last]" "cpuset.cpus"
	assert_equal "$(jq -c .cpuset.mems <<<"$d")" "[0]" "cpuset.mems"
	jq -e '.intel_rdt | type == "object"' <<<"$d" >/dev/null || fail "no intel_rdt object: $d"
	jq -e '.hugetlb | type == "object"' <<<"$d" >/dev/null || fail "no hugetlb object: $d"
	jq -e 'has("network_interfaces")' <<<"$d" >/dev/null || fail "no network_interfaces: $d"
	if is_cgroup2; then
		# v2 has no per-CPU split; PSI where the kernel has it.
		if [[ -r $(cg_dir cpu)/cpu.pressure ]] && cat "$(cg_dir cpu)/cpu.pressure" >/dev/null 2>&1; then
			for r in cpu memory blkio; do
				jq -e --arg r "$r" '.[$r].psi.some | has("avg10") and has("avg60") and has("avg300") and has("total")' \
					<<<"$d" >/dev/null || fail "no $r PSI: $d"
			done
			jq -e '.cpu.psi.full' <<<"$d" >/dev/null || fail "no cpu.psi.full: $d"
		fi
	else
		n=$(nproc)
		assert_equal "$(jq '.cpu.usage.percpu_kernel | length' <<<"$d")" "$n" "percpu_kernel entries"
		assert_equal "$(jq '.cpu.usage.percpu_user | length' <<<"$d")" "$n" "percpu_user entries"
		(($(jq '(.cpu.usage.percpu_kernel | add) + (.cpu.usage.percpu_user | add)' <<<"$d") > 0)) ||
			fail "no per-CPU time: $d"
		jq -e '.cpuset | has("cpu_exclusive") and has("mem_hardwall") and has("sched_load_balance") and has("sched_relax_domain_level")' \
			<<<"$d" >/dev/null || fail "cpuset flags: $d"
	fi
	if is_runc; then
		# runc counts only the veth interfaces libcontainer itself made: none for an OCI bundle.
		return
	fi
	# berth reads them from the container's network namespace: its own loopback.
	assert_equal "$(jq -r '[.network_interfaces[].Name] | join(",")' <<<"$d")" lo "interfaces"
	jq -e '.network_interfaces[0] | has("RxBytes") and has("RxPackets") and has("RxErrors") and has("RxDropped")
		and has("TxBytes") and has("TxPackets") and has("TxErrors") and has("TxDropped")' <<<"$d" >/dev/null ||
		fail "interface fields: $d"
	# Traffic inside the container shows.
	berth exec --cap CAP_NET_RAW "$ID" ping -c 2 -W 1 127.0.0.1 >/dev/null || true
	rx=$(berth events --stats "$ID" | jq '.data.network_interfaces[0].RxPackets')
	((rx > 0)) || fail "no packets counted on lo after ping"
}

@test "events streams stats every --interval and ends when the container stops" {
	use_cgroup_path
	run_sleeper
	start=$EPOCHREALTIME
	berth events --interval 200ms "$ID" >"$BATS_TEST_TMPDIR/events" &
	events_pid=$!
	sleep 1
	berth kill "$ID" KILL
	# A loaded machine stretches the second: count against the time that really passed.
	elapsed_ms=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000))
	# The stream ends by itself once init is gone.
	for _ in $(seq 50); do kill -0 "$events_pid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$events_pid" 2>/dev/null || { kill "$events_pid"; fail "events still running after the container stopped"; }
	wait "$events_pid" || true
	n=$(jq -r 'select(.type == "stats") | .id' "$BATS_TEST_TMPDIR/events" | grep -c "^$ID\$")
	max=$((elapsed_ms / 200 + 2))
	((n >= 3 && n <= max)) || fail "expected 3 to $max stats events in ${elapsed_ms}ms at 200ms, got $n"
}

@test "events refuses a stopped or unknown container" {
	use_cgroup_path
	run berth events --stats "nonexistent-$ID"
	assert_failure
	assert_output_contains "does not exist"
	set_args true
	run berth run --keep --bundle "$BUNDLE" "$ID"
	run berth events --stats "$ID"
	assert_failure
	assert_output_contains "not running"
}

# oom_config: a 24 MiB limit without swap to fall back on.
oom_config() {
	update_config '.linux.resources.memory = {limit: 25165824}'
	if ! is_cgroup2 && [[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]]; then
		update_config '.linux.resources.memory.swap = 25165824'
	fi
	is_cgroup2 && update_config '.linux.resources.memory.swap = 25165824'
	use_cgroup_path
}

# bats test_tags=vm
@test "an OOM-killed container exits 137" {
	oom_config
	# dd allocates its 64 MiB block: far above the limit.
	set_args dd if=/dev/zero of=/dev/null bs=64M count=1
	run berth run --bundle "$BUNDLE" "$ID"
	assert_failure 137
}

# bats test_tags=vm
@test "events reports an oom event when a process is OOM-killed" {
	oom_config
	run_sleeper sh -c 'while [ ! -e /go ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=64M count=1; exec sleep 1000'
	berth events --interval 1h "$ID" >"$BATS_TEST_TMPDIR/events" &
	events_pid=$!
	# The stream starts with a stats event, after it has read the OOM counter: only then is an
	# OOM one that it must report.
	for _ in $(seq 100); do [[ -s $BATS_TEST_TMPDIR/events ]] && break; sleep 0.1; done
	touch "$BUNDLE/rootfs/go"
	# Generous: under emulation (the VM lane) faulting in the pages up to the limit takes seconds.
	for _ in $(seq 300); do grep -q '"oom"' "$BATS_TEST_TMPDIR/events" && break; sleep 0.1; done
	berth kill "$ID" KILL
	wait "$events_pid" || true
	jq -e --arg id "$ID" 'select(.type == "oom" and .id == $id)' "$BATS_TEST_TMPDIR/events" >/dev/null ||
		fail "no oom event: $(cat "$BATS_TEST_TMPDIR/events")"
}

@test "ps lists the container's processes as a table and as JSON" {
	use_cgroup_path
	run_sleeper sh -c 'sleep 1001 & exec sleep 1000'
	sleep 0.3
	run berth ps --format json "$ID"
	assert_success
	assert_equal "$(jq length <<<"$output")" 2 "pids in JSON"
	init=$(container_pid "$ID")
	jq -e --argjson p "$init" 'index($p) != null' <<<"$output" >/dev/null || fail "init $init missing: $output"

	run berth ps "$ID"
	assert_success
	assert_equal "${#lines[@]}" 3 "header + 2 processes"
	[[ ${lines[0]} == *PID* ]] || fail "no header: $output"
	assert_output_contains "sleep 1000"
	assert_output_contains "sleep 1001"

	run berth ps "$ID" -o pid,comm
	assert_success
	assert_equal "${#lines[@]}" 3 "with ps options"
	assert_output_contains "$init sleep"
}

@test "kill --all signals every process of the cgroup, also outside a pid namespace" {
	# Without a pid namespace, init's death does not take the others along.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	use_cgroup_path
	run_sleeper sh -c 'sleep 1001 & sleep 1002 & exec sleep 1000'
	sleep 0.3
	pids=$(berth ps --format json "$ID" | jq -r '.[]')
	assert_equal "$(wc -w <<<"$pids")" 3 "processes"
	run berth kill --all "$ID" KILL
	assert_success
	for _ in $(seq 50); do
		alive=0
		for p in $pids; do process_gone "$p" || alive=1; done
		((alive)) || break
		sleep 0.1
	done
	for p in $pids; do process_gone "$p" || fail "pid $p survived kill --all"; done
}
