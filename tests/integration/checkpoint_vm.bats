#!/usr/bin/env bats
# checkpoint and restore with CRIU, end to end: a counting process checkpointed and restored
# goes on from where it was, under its own id or a new one, through every way runc offers
# (leave running, pre-dump and parent, page server, lazy pages), with a terminal, its
# network namespace (private or joined), a TCP connection, its cgroup and limits, and the
# restored container is one like any other for state, exec, kill and delete.
#
# CRIU cannot run on the development host's kernel (checkpoint.bats tests what berth does
# there); these run in the VM lane (tests/vm, in a boot of their own: tag "criu"), whose Debian
# 6.1 kernel it supports, and are skipped where `criu check` fails.

# bats file_tags=criu

load helpers

setup() {
	berth_setup
	criu_works || skip "CRIU cannot run on this kernel: the VM lane runs these"
	IMG=$BATS_TEST_TMPDIR/images
	# /count is replaced by a rename, never truncated in place: a checkpoint taken between
	# a truncate and its write would otherwise leave it empty for good, with no count to
	# compare the restored one with.
	COUNTER='i=0; while :; do i=$((i + 1)); echo $i; echo $i >/count.new; mv /count.new /count; sleep 0.2; done'
}

# criu_works: `criu check` passes here (asked once per run).
criu_works() {
	local mark=$BATS_RUN_TMPDIR/criu-check
	if [[ ! -e $mark ]]; then
		if command -v criu >/dev/null && criu check >/dev/null 2>&1; then echo yes >"$mark"; else echo no >"$mark"; fi
	fi
	[[ $(cat "$mark") == yes ]]
}

# open_stdio: fresh pipes for a container's stdio. CRIU can hand a restored container pipes
# (the runtime's or an engine's), not a file or terminal of the test's. The container gets
# IN_R, OUT_W and ERR_W; the test keeps IN_W open and reads OUT_R and ERR_R.
open_stdio() {
	local p
	exec {p}<> <(:)
	exec {IN_R}</proc/self/fd/$p {IN_W}>/proc/self/fd/$p
	exec {p}>&-
	exec {p}<> <(:)
	exec {OUT_R}</proc/self/fd/$p {OUT_W}>/proc/self/fd/$p
	exec {p}>&-
	exec {p}<> <(:)
	exec {ERR_R}</proc/self/fd/$p {ERR_W}>/proc/self/fd/$p
	exec {p}>&-
}

# piped ARGS...: berth ARGS with the container's stdio on the pipes of open_stdio; on failure,
# what berth said (from the stderr pipe) goes into $output.
piped() {
	status=0
	berth "$@" <&"$IN_R" >&"$OUT_W" 2>&"$ERR_W" || status=$?
	output=$(drain "$ERR_R")
	return 0
}

# drain FD: the lines waiting in FD.
drain() {
	local line
	while IFS= read -r -t 0.3 -u "$1" line; do echo "$line"; done
}

# next_line FD: the next line the container writes to FD (waits up to 20 s).
next_line() {
	local line
	IFS= read -r -t 20 -u "$1" line || fail "no output from the container"
	echo "$line"
}

# run_counter [OPTIONS...]: the counter as $ID, on fresh pipes.
run_counter() {
	set_args sh -c "$COUNTER"
	open_stdio
	piped run -d --bundle "$BUNDLE" "$@" "$ID"
	assert_success
	next_line "$OUT_R" >/dev/null
}

# checkpoint ARGS...: berth checkpoint, which must work (CRIU's log on failure).
checkpoint() {
	run berth checkpoint "$@"
	[[ $status -eq 0 ]] || fail "checkpoint $* failed: $output$(criu_errors)"
}

# restore_piped ARGS...: berth restore -d on fresh pipes, which must work.
restore_piped() {
	open_stdio
	piped restore -d "$@"
	[[ $status -eq 0 ]] || fail "restore $* failed: $output$(criu_errors)"
}

criu_errors() {
	grep -h -B3 Error "$BATS_TEST_TMPDIR"/*/*.log 2>/dev/null | tail -20 | sed 's/^/  criu: /'
}

# assert_continues LAST: the restored counter's first line is the one after LAST (or the
# one after that, when the checkpoint came between its two writes), not a fresh start.
assert_continues() {
	local last=$1 first
	first=$(next_line "$OUT_R")
	((first > last && first <= last + 2)) || fail "counted $first after $last: not where it was"
}

# assert_gone ID PID: the container is gone: no state, no process, no cgroup.
assert_gone() {
	run berth state "$1"
	assert_failure
	assert_output_contains "does not exist"
	for _ in $(seq 50); do process_gone "$2" && break; sleep 0.1; done
	process_gone "$2" || fail "process $2 of $1 still there"
	[[ -z $(find /sys/fs/cgroup -maxdepth 3 -type d -name "$1") ]] || fail "cgroup of $1 still there"
}

# cgroup_of PID: its cgroup v2 path.
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# free_port: a TCP port nothing listens on.
free_port() { echo $((20000 + RANDOM % 20000)); }

# wait_listening PORT: something listens on PORT (in this network namespace).
wait_listening() {
	local hex
	hex=$(printf '%04X' "$1")
	for _ in $(seq 100); do
		awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp && return 0
		sleep 0.1
	done
	fail "nothing listens on port $1"
}

@test "checkpoint and restore: the counter goes on from where it was, twice; then state, exec, kill, delete" {
	run_counter
	for round in 1 2; do
		pid=$(container_pid "$ID")
		checkpoint --image-path "$IMG-$round" "$ID"
		# The container is gone, as with runc: its processes, state and cgroup.
		assert_gone "$ID" "$pid"
		last=$(read_written "$BUNDLE/rootfs/count")
		sleep 0.5
		assert_equal "$(read_written "$BUNDLE/rootfs/count")" "$last" "count while checkpointed"
		[[ -s $IMG-$round/descriptors.json && -s $IMG-$round/dump.log ]] || fail "no descriptors.json or dump.log"
		restore_piped --bundle "$BUNDLE" --image-path "$IMG-$round" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
		# Its output comes through the new pipes: CRIU was handed them for the old ones.
		assert_continues "$last"
	done
	assert_equal "$(container_status "$ID")" running status
	pid=$(container_pid "$ID")
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pid")" "$pid" "--pid-file"
	[[ $(cgroup_of "$pid") == */$ID ]] || fail "init is in $(cgroup_of "$pid")"
	run berth ps "$ID"
	assert_success
	assert_output_contains "$pid"
	# exec joins the restored namespaces, the new time namespace CRIU made included.
	run berth exec "$ID" sh -c 'cat /count; readlink /proc/self/ns/pid; readlink /proc/self/ns/time'
	assert_success
	(($(head -1 <<<"$output") > last)) || fail "exec read $output"
	assert_equal "$(sed -n 2p <<<"$output")" "$(readlink "/proc/$pid/ns/pid")" "exec's pid namespace"
	# (runc 1.1 execs outside it; runc 1.2 joins it too.)
	is_runc || assert_equal "$(sed -n 3p <<<"$output")" "$(readlink "/proc/$pid/ns/time")" "exec's time namespace"
	run berth kill "$ID" KILL
	assert_success
	wait_for_status "$ID" stopped
	run berth delete "$ID"
	assert_success
	assert_gone "$ID" "$pid"
}

@test "checkpoint --leave-running: it runs on, and a copy restores under a new id; org.criu.config" {
	is_runc && skip "runc 1.1 restores the copy into the original's cgroup"
	# The annotation names a CRIU configuration file, whose settings win over berth's.
	echo "log-file=berth-custom.log" >"$BATS_TEST_TMPDIR/criu.conf"
	update_config --arg c "$BATS_TEST_TMPDIR/criu.conf" '.annotations = {"org.criu.config": $c}'
	run_counter
	pid=$(container_pid "$ID")
	# The copy's files are taken after the dump, while the original runs on: a dump that
	# caught the counter with /count.new open (between its write and its rename, rare but
	# seen in the slow VM) cannot restore there, as CRIU reopens files by path and the
	# original has renamed it since. Such a dump is taken again (CRIU logs each file's path).
	for try in 1 2 3 4 5; do
		rm -rf "$IMG"
		checkpoint --leave-running --image-path "$IMG" "$ID"
		grep -q 'count\.new' "$IMG/berth-custom.log" 2>/dev/null || break
	done
	[[ -s $IMG/berth-custom.log && ! -e $IMG/dump.log ]] || fail "CRIU did not read criu.conf: $(ls "$IMG")"
	assert_equal "$(container_status "$ID")" running status
	assert_equal "$(container_pid "$ID")" "$pid" "pid after --leave-running"
	last=$(read_written "$BUNDLE/rootfs/count")
	next_line "$OUT_R" >/dev/null
	cp -a "$BUNDLE" "$BATS_TEST_TMPDIR/copy"
	ID2=$(new_id)
	restore_piped --bundle "$BATS_TEST_TMPDIR/copy" --image-path "$IMG" "$ID2"
	next_line "$OUT_R" >/dev/null
	run berth list -q
	assert_output_contains "$ID"
	assert_output_contains "$ID2"
	pid2=$(container_pid "$ID2")
	[[ $pid2 != "$pid" ]] || fail "the copy has the original's pid"
	[[ $(cgroup_of "$pid2") == */$ID2 ]] || fail "the copy is in $(cgroup_of "$pid2")"
	# Each counts in its own rootfs.
	a=$(read_written "$BUNDLE/rootfs/count") b=$(read_written "$BATS_TEST_TMPDIR/copy/rootfs/count")
	sleep 1
	(($(read_written "$BUNDLE/rootfs/count") > a && $(read_written "$BATS_TEST_TMPDIR/copy/rootfs/count") > b)) ||
		fail "not both counting"
	(($(read_written "$BATS_TEST_TMPDIR/copy/rootfs/count") > last)) || fail "the copy started over"
}

@test "checkpoint --pre-dump, then a dump with --parent-path, --work-path and --auto-dedup" {
	run_counter
	pid=$(container_pid "$ID")
	checkpoint --pre-dump --image-path "$BATS_TEST_TMPDIR/pre" "$ID"
	assert_equal "$(container_status "$ID")" running "status after --pre-dump"
	assert_equal "$(container_pid "$ID")" "$pid" "pid after --pre-dump"
	ls "$BATS_TEST_TMPDIR"/pre/pages-*.img >/dev/null || fail "the pre-dump saved no memory"
	checkpoint --image-path "$IMG" --parent-path ../pre --work-path "$BATS_TEST_TMPDIR/work" --auto-dedup "$ID"
	assert_equal "$(readlink "$IMG/parent")" ../pre "parent link"
	[[ -s $BATS_TEST_TMPDIR/work/dump.log && ! -e $IMG/dump.log ]] || fail "the log is not in --work-path"
	assert_gone "$ID" "$pid"
	last=$(read_written "$BUNDLE/rootfs/count")
	restore_piped --bundle "$BUNDLE" --image-path "$IMG" --work-path "$BATS_TEST_TMPDIR/work" --auto-dedup "$ID"
	[[ -s $BATS_TEST_TMPDIR/work/restore.log ]] || fail "no restore log in --work-path"
	assert_continues "$last"
}

@test "checkpoint --page-server: the memory goes to a CRIU page server" {
	run_counter
	port=$(free_port)
	mkdir -p "$BATS_TEST_TMPDIR/pages"
	timeout 120 criu page-server --images-dir "$BATS_TEST_TMPDIR/pages" --port "$port" -o ps.log 3>&- &
	ps_pid=$!
	on_teardown "kill $ps_pid 2>/dev/null || true"
	wait_listening "$port"
	checkpoint --page-server "127.0.0.1:$port" --image-path "$IMG" "$ID"
	wait "$ps_pid" || fail "the page server failed"
	ls "$BATS_TEST_TMPDIR"/pages/pages-*.img >/dev/null || fail "no pages at the page server"
	! ls "$IMG"/pages-*.img 2>/dev/null || fail "pages in --image-path too"
	last=$(read_written "$BUNDLE/rootfs/count")
	cp "$BATS_TEST_TMPDIR"/pages/*.img "$IMG/"
	restore_piped --bundle "$BUNDLE" --image-path "$IMG" "$ID"
	assert_continues "$last"
}

@test "checkpoint --lazy-pages --status-fd: restored under a new id while CRIU serves the memory" {
	criu check --feature uffd-noncoop >/dev/null 2>&1 || fail "this kernel lacks userfaultfd for lazy pages"
	is_runc && skip "runc 1.1 restores into the original's cgroup, which then stays behind"
	run_counter
	pid=$(container_pid "$ID")
	port=$(free_port)
	local p sr sw
	exec {p}<> <(:)
	exec {sr}</proc/self/fd/$p {sw}>/proc/self/fd/$p
	exec {p}>&-
	berth checkpoint --lazy-pages --page-server "127.0.0.1:$port" --status-fd "$sw" --image-path "$IMG" "$ID" \
		>"$BATS_TEST_TMPDIR/checkpoint.out" 2>&1 3>&- &
	cpt_pid=$!
	exec {sw}>&-
	# A \0 on the status fd: the images are written, the memory is served.
	ready=$(timeout 60 head -c1 <&"$sr" | od -An -tx1 | tr -d ' ')
	assert_equal "$ready" 00 "status fd"
	[[ -e $IMG/inventory.img ]] || fail "no images yet"
	timeout 120 criu lazy-pages --page-server --address 127.0.0.1 --port "$port" -D "$IMG" -o lazy.log 3>&- &
	lp_pid=$!
	on_teardown "kill $cpt_pid $lp_pid 2>/dev/null || true"
	# The original is not deleted until its last page has gone over: a new id.
	ID2=$(new_id)
	last=$(read_written "$BUNDLE/rootfs/count")
	restore_piped --bundle "$BUNDLE" --image-path "$IMG" --lazy-pages "$ID2"
	wait "$cpt_pid" || fail "checkpoint failed: $(cat "$BATS_TEST_TMPDIR/checkpoint.out")$(criu_errors)"
	wait "$lp_pid" || fail "criu lazy-pages failed$(criu_errors)"
	assert_gone "$ID" "$pid"
	assert_continues "$last"
	assert_equal "$(container_status "$ID2")" running status
}

@test "a terminal: restore --console-socket hands the new pty's master to the socket" {
	update_config '.process.terminal = true'
	set_args sh -c "$COUNTER"
	RECVTTY=${RECVTTY:-$REPO_ROOT/_build/recvtty}
	[[ -x $RECVTTY ]] || fail "no recvtty at $RECVTTY (tests/vm/test.sh builds it)"
	"$RECVTTY" --no-stdin "$BATS_TEST_TMPDIR/tty1.sock" >"$BATS_TEST_TMPDIR/tty1.out" 2>&1 </dev/null 3>&- &
	tty1=$!
	on_teardown "kill $tty1 2>/dev/null || true"
	wait_for_file "$BATS_TEST_TMPDIR/tty1.sock"
	run_detached run -d --console-socket "$BATS_TEST_TMPDIR/tty1.sock" --bundle "$BUNDLE" "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/count"
	checkpoint --image-path "$IMG" "$ID"
	# The old terminal closed with the container.
	wait "$tty1" || true
	last=$(read_written "$BUNDLE/rootfs/count")
	"$RECVTTY" --no-stdin "$BATS_TEST_TMPDIR/tty2.sock" >"$BATS_TEST_TMPDIR/tty2.out" 2>&1 </dev/null 3>&- &
	tty2=$!
	on_teardown "kill $tty2 2>/dev/null || true"
	wait_for_file "$BATS_TEST_TMPDIR/tty2.sock"
	run_detached restore -d --console-socket "$BATS_TEST_TMPDIR/tty2.sock" --bundle "$BUNDLE" --image-path "$IMG" "$ID"
	[[ $status -eq 0 ]] || fail "restore failed: $output$(criu_errors)"
	for _ in $(seq 100); do [[ -s $BATS_TEST_TMPDIR/tty2.out ]] && break; sleep 0.1; done
	first=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty2.out" | head -1)
	((first > last && first <= last + 2)) || fail "the new terminal shows $first after $last"
	run berth exec "$ID" readlink /proc/1/fd/1
	assert_success
	assert_output_contains /dev/pts/
}

@test "a private network namespace is restored as a new one, empty as with runc" {
	run_counter
	checkpoint --image-path "$IMG" "$ID"
	restore_piped --bundle "$BUNDLE" --image-path "$IMG" --empty-ns network "$ID"
	pid=$(container_pid "$ID")
	[[ $(readlink "/proc/$pid/ns/net") != "$(host_ns net)" ]] || fail "restored into the host's network namespace"
	# Only the loopback device, down: its configuration is for hooks to redo (runc's way).
	run berth exec "$ID" cat /proc/net/dev
	assert_success
	assert_equal "$(tail -n +3 <<<"$output" | awk -F: '{ gsub(/ /, "", $1); print $1 }')" lo "devices"
}

@test "--tcp-established in a joined network namespace: restored into it, the connection survives" {
	# runc leaves every network namespace empty on restore, a joined one too, and CRIU 3.17 then
	# locks that one's connections twice and unlocks neither: the connection stalls.
	is_runc && skip "runc 1.1 leaves the connection locked"
	netns=berth-$TEST_MARK
	add_netns "$netns"
	ip netns exec "$netns" ip link set lo up
	update_config --arg p "/run/netns/$netns" \
		'.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = $p else . end]'
	# A server and a client, connected over the loopback; the server keeps what it receives.
	# (busybox's nc ends at the end of its input, hence a sleep to feed the server; it
	# listens on IPv6's any address, which takes IPv4 too: wait for it in tcp6.)
	set_args sh -c 'sleep 100000 | nc -l -p 5000 >/received & while ! grep -q ":1388 0*:0000 0A" /proc/net/tcp6; do sleep 0.1; done
		i=0; while :; do i=$((i + 1)); echo $i; sleep 0.2; done | nc 127.0.0.1 5000'
	open_stdio
	piped run -d --bundle "$BUNDLE" "$ID"
	assert_success
	for _ in $(seq 200); do [[ -s $BUNDLE/rootfs/received ]] && break; sleep 0.1; done
	[[ -s $BUNDLE/rootfs/received ]] || fail "the client never got through"
	assert_equal "$(container_status "$ID")" running status
	pid=$(container_pid "$ID")
	# Without the flag CRIU refuses, and the container carries on.
	run berth checkpoint --image-path "$BATS_TEST_TMPDIR/refused" "$ID"
	assert_failure
	grep -q "tcp-established" "$BATS_TEST_TMPDIR/refused/dump.log" || fail "CRIU did not ask for --tcp-established"
	if ! is_runc; then
		# berth passes CRIU's reason on, and where its log is (runc 1.1: "criu failed").
		assert_output_contains "tcp-established"
		assert_output_contains "$BATS_TEST_TMPDIR/refused/dump.log"
	fi
	assert_equal "$(container_pid "$ID")" "$pid" "pid after the refused checkpoint"
	n=$(wc -l <"$BUNDLE/rootfs/received")
	sleep 0.6
	(($(wc -l <"$BUNDLE/rootfs/received") > n)) || fail "the connection stalled after the refused checkpoint"
	checkpoint --tcp-established --image-path "$IMG" "$ID"
	n=$(wc -l <"$BUNDLE/rootfs/received")
	restore_piped --tcp-established --bundle "$BUNDLE" --image-path "$IMG" "$ID"
	for _ in $(seq 100); do (($(wc -l <"$BUNDLE/rootfs/received") > n + 3)) && break; sleep 0.1; done
	# The joined namespace is external to CRIU: the restored container is in it again.
	pid=$(container_pid "$ID")
	assert_equal "$(readlink "/proc/$pid/ns/net")" "net:[$(stat -L -c %i "/run/netns/$netns")]" "network namespace"
	# The same stream goes on: every number once, in order, past the checkpoint.
	awk '$1 != NR { print "line " NR ": " $1; bad = 1 } END { exit bad || NR < 4 }' "$BUNDLE/rootfs/received" ||
		fail "the stream broke: $(tail -5 "$BUNDLE/rootfs/received")"
	(($(wc -l <"$BUNDLE/rootfs/received") > n + 3)) || fail "nothing came over the connection after restore"
}

@test "cgroups: limits from the config, a new cgroup path with --manage-cgroups-mode ignore, full and strict" {
	is_runc && skip "runc 1.1 has no ignore mode, and starts CRIU for a strict restore"
	update_config '.linux.resources = {pids: {limit: 50}, memory: {limit: 67108864}}'
	run_counter
	pid=$(container_pid "$ID")
	checkpoint --manage-cgroups-mode full --image-path "$IMG-full" "$ID"
	restore_piped --manage-cgroups-mode full --bundle "$BUNDLE" --image-path "$IMG-full" "$ID"
	pid=$(container_pid "$ID")
	[[ $(cgroup_of "$pid") == */$ID ]] || fail "init is in $(cgroup_of "$pid")"
	dir=/sys/fs/cgroup$(cgroup_of "$pid")
	assert_equal "$(cat "$dir/pids.max")" 50 pids.max
	assert_equal "$(cat "$dir/memory.max")" 67108864 memory.max
	# strict dumps; a restore would have CRIU refuse the cgroup berth makes, so it is refused first.
	checkpoint --manage-cgroups-mode strict --image-path "$IMG-strict" "$ID"
	open_stdio
	piped restore -d --manage-cgroups-mode strict --bundle "$BUNDLE" --image-path "$IMG-strict" "$ID"
	assert_failure
	assert_output_contains strict
	[[ ! -e $IMG-strict/restore.log ]] || fail "CRIU ran"
	# ignore: CRIU leaves cgroups alone; the restored processes start in the one berth made,
	# here a new path with a new limit.
	new=berth-$TEST_MARK-moved
	update_config --arg p "/$new" '.linux.cgroupsPath = $p | .linux.resources.pids.limit = 60'
	last=$(read_written "$BUNDLE/rootfs/count")
	restore_piped --manage-cgroups-mode ignore --bundle "$BUNDLE" --image-path "$IMG-strict" "$ID"
	assert_continues "$last"
	pid=$(container_pid "$ID")
	assert_equal "$(cgroup_of "$pid")" "/$new" "cgroup"
	assert_equal "$(cat "/sys/fs/cgroup/$new/pids.max")" 60 "new pids.max"
	[[ ! -d $dir ]] || fail "the old cgroup is still there"
	run berth kill --all "$ID" KILL
	assert_success
	wait_for_status "$ID" stopped
	run berth delete "$ID"
	assert_success
	[[ ! -d /sys/fs/cgroup/$new ]] || fail "delete left the cgroup"
}

@test "a failed restore leaves nothing behind and names CRIU's log; hooks run with the restored pid" {
	run_counter
	checkpoint --image-path "$IMG" "$ID"
	# A prestart hook runs once CRIU made the namespaces, before anything runs: fail it.
	update_config '.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]}'
	open_stdio
	piped restore -d --bundle "$BUNDLE" --image-path "$IMG" "$ID"
	assert_failure
	if ! is_runc; then
		# runc 1.1 says "error running hook #0" and names no log.
		assert_output_contains "$IMG/restore.log"
		assert_output_contains prestart
	fi
	run berth state "$ID"
	assert_failure
	[[ ! -d /sys/fs/cgroup/berth/$ID ]] || fail "the cgroup is left"
	if grep -q "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
		fail "mounts left: $(grep "$BATS_TEST_TMPDIR" /proc/self/mountinfo)"
	fi
	[[ -z $(grep -lsa "BERTH_TEST_MARK=$TEST_MARK" /proc/[0-9]*/environ) ]] || fail "processes left"
	# The images are intact: with a hook that records its state, the restore works.
	update_config --arg out "$BATS_TEST_TMPDIR/hook.json" \
		'.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "cat >" + $out]}]}'
	last=$(read_written "$BUNDLE/rootfs/count")
	restore_piped --bundle "$BUNDLE" --image-path "$IMG" "$ID"
	assert_continues "$last"
	assert_equal "$(jq -r .pid "$BATS_TEST_TMPDIR/hook.json")" "$(container_pid "$ID")" "the hook's pid"
	# An id that exists is refused before CRIU, and the running container is untouched.
	rm "$IMG/restore.log"
	open_stdio
	piped restore -d --bundle "$BUNDLE" --image-path "$IMG" "$ID"
	assert_failure
	assert_output_contains "already exists"
	[[ ! -e $IMG/restore.log ]] || fail "CRIU ran"
	assert_equal "$(container_status "$ID")" running status
}

@test "--file-locks: a held lock is needed and restored; bind mounts from the host; other flags pass" {
	# CRIU 3.17 cannot bind from a source that is a symlink (/lib64 here); berth resolves it.
	is_runc && skip "runc 1.1 hands CRIU bind sources as written"
	# busybox has no flock: the host's runs inside, with its libraries bound in read-only,
	# which also makes the container's binary and libraries external mounts for CRIU.
	update_config '.mounts += [
		{destination: "/lib64", source: "/lib64", type: "bind", options: ["rbind", "ro"]},
		{destination: "/lib/x86_64-linux-gnu", source: "/lib/x86_64-linux-gnu", type: "bind", options: ["rbind", "ro"]},
		{destination: "/bin/flock", source: "/usr/bin/flock", type: "bind", options: ["bind", "ro"]}]'
	set_args /bin/flock /lockfile sh -c "$COUNTER"
	open_stdio
	piped run -d --bundle "$BUNDLE" "$ID"
	assert_success
	next_line "$OUT_R" >/dev/null
	run berth checkpoint --image-path "$BATS_TEST_TMPDIR/refused" "$ID"
	assert_failure
	assert_output_contains "dump.log"
	checkpoint --file-locks --link-remap --ext-unix-sk --shell-job --tcp-skip-in-flight --empty-ns network \
		--image-path "$IMG" "$ID"
	last=$(read_written "$BUNDLE/rootfs/count")
	# (--shell-job is for a shell's job on a terminal: on restore CRIU would take its stdin.)
	restore_piped --file-locks --ext-unix-sk --no-pivot --bundle "$BUNDLE" --image-path "$IMG" "$ID"
	assert_continues "$last"
	pid=$(container_pid "$ID")
	# The lock is the restored process's again.
	ino=$(stat -c %i "$BUNDLE/rootfs/lockfile")
	grep -Eq "FLOCK .* [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks || fail "no flock on the lock file: $(cat /proc/locks)"
}

@test "restore in the foreground waits for the container and deletes it after" {
	run_counter
	checkpoint --image-path "$IMG" "$ID"
	last=$(read_written "$BUNDLE/rootfs/count")
	open_stdio
	berth restore --no-subreaper --bundle "$BUNDLE" --image-path "$IMG" "$ID" <&"$IN_R" >&"$OUT_W" 2>&"$ERR_W" 3>&- &
	fg=$!
	assert_continues "$last"
	assert_equal "$(container_status "$ID")" running status
	run berth kill "$ID" KILL
	assert_success
	rc=0
	wait "$fg" || rc=$?
	assert_equal "$rc" 137 "restore's exit status"
	run berth state "$ID"
	assert_failure
}

# busybox_image: localhost/busybox:berth, the archive tests/engines/images.sh builds (tests/vm/test.sh
# has it made).
busybox_image() {
	local img=${BUSYBOX_OCI:-$REPO_ROOT/_build/results/images/busybox.tar}
	[[ -f $img ]] || fail "no image archive at $img (tests/engines/images.sh makes it)"
	echo "$img"
}

@test "podman container checkpoint --export and restore --import, with berth as the runtime" {
	command -v podman >/dev/null || fail "podman is not installed"
	PM_DIR=$BATS_TEST_TMPDIR/podman
	# Private storage (vfs: no layer mounts) and state; no network, no registry.
	pm() {
		timeout -k 5 120 podman --root "$PM_DIR/root" --runroot "$PM_DIR/run" --tmpdir "$PM_DIR/tmp" \
			--storage-driver vfs --runtime "$BERTH" --cgroup-manager cgroupfs --events-backend file \
			--log-level error "$@"
	}
	on_teardown "pm rm -af -t 0 >/dev/null 2>&1; pm rmi -af >/dev/null 2>&1"
	pm load -i "$(busybox_image)" >/dev/null || fail "podman load failed"
	# /starts tells a restored counter (one start) from one that began again.
	pm run -d --pull never --network none --name "$ID" -e "BERTH_TEST_MARK=$TEST_MARK" localhost/busybox:berth \
		sh -c "echo start >>/starts; $COUNTER" >/dev/null || fail "podman run failed"
	for _ in $(seq 100); do [[ -n $(pm logs "$ID" 2>/dev/null) ]] && break; sleep 0.2; done
	run pm container checkpoint --export "$BATS_TEST_TMPDIR/export.tar.gz" "$ID"
	[[ $status -eq 0 ]] || fail "podman checkpoint: $output"
	last=$(pm logs "$ID" | tail -1)
	pm rm -f -t 0 "$ID" >/dev/null
	run pm container restore --import "$BATS_TEST_TMPDIR/export.tar.gz" --name "$ID-restored"
	[[ $status -eq 0 ]] || fail "podman restore: $output"
	run pm exec "$ID-restored" sh -c 'wc -l </starts; cat /count'
	assert_success
	assert_equal "$(head -1 <<<"$output")" 1 "starts"
	(($(tail -1 <<<"$output") >= last)) || fail "the restored container counted $(tail -1 <<<"$output") after $last"
	pm rm -f -t 0 "$ID-restored" >/dev/null
}

@test "containerd: ctr container checkpoint --task and restore --live, ctr task checkpoint, with berth" {
	command -v containerd >/dev/null || fail "containerd is not installed"
	CTD_DIR=$BATS_TEST_TMPDIR/containerd
	local d=$CTD_DIR
	mkdir -p "$d"
	cat >"$d/config.toml" <<-TOML
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$d/sock"
	TOML
	containerd --config "$d/config.toml" >"$d/log" 2>&1 3>&- &
	ctd=$!
	c() { timeout -k 5 120 ctr --address "$CTD_DIR/sock" -n berth-test "$@"; }
	# Clean-ups run in order: the task and container (and the rootfs mount) while containerd
	# still runs, then containerd.
	on_teardown "c task rm -f $ID >/dev/null 2>&1; c container rm $ID >/dev/null 2>&1"
	on_teardown "kill $ctd; wait $ctd"
	wait_for_file "$d/sock"
	c image import "$(busybox_image)" >/dev/null || fail "ctr image import failed"
	c run -d --runc-binary "$BERTH" --env "BERTH_TEST_MARK=$TEST_MARK" localhost/busybox:berth "$ID" \
		sh -c "echo start >>/starts; $COUNTER" >/dev/null || fail "ctr run failed: $(tail -5 "$d/log")"
	sleep 1
	before=$(c task exec --exec-id before "$ID" cat /count)
	# With its rw layer, so /starts tells a restored counter (one start) from a new one.
	run c container checkpoint --task --rw "$ID" "checkpoint/$ID:1"
	[[ $status -eq 0 ]] || fail "ctr container checkpoint: $output"
	c task kill -s KILL "$ID"
	for _ in $(seq 50); do c task ls | grep -q "^$ID .*STOPPED" && break; sleep 0.2; done
	c task rm "$ID" >/dev/null 2>&1 || true
	c container rm "$ID"
	run c container restore --live --rw "$ID" "checkpoint/$ID:1"
	[[ $status -eq 0 ]] || fail "ctr container restore: $output"
	run c task exec --exec-id after "$ID" sh -c 'wc -l </starts; cat /count'
	assert_success
	assert_equal "$(head -1 <<<"$output")" 1 "starts"
	(($(tail -1 <<<"$output") >= before)) || fail "restored at $(tail -1 <<<"$output"), checkpointed after $before"
	# ctr task checkpoint: CRIU's images into a directory, and the task exits.
	run c task checkpoint --exit --image-path "$BATS_TEST_TMPDIR/task-images" "$ID"
	[[ $status -eq 0 ]] || fail "ctr task checkpoint: $output"
	[[ -e $BATS_TEST_TMPDIR/task-images/inventory.img && -e $BATS_TEST_TMPDIR/task-images/descriptors.json ]] ||
		fail "no images: $(ls "$BATS_TEST_TMPDIR/task-images")"
	c task ls | grep -q "^$ID .*STOPPED" || fail "the task runs on after --exit: $(c task ls)"
	c task rm "$ID" >/dev/null
	c container rm "$ID"
}
