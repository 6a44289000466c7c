# Shared set-up for berth's bats tests. Each test gets a fresh bundle in $BATS_TEST_TMPDIR
# (rootfs copied from one busybox template built per run), a private --root for state, and
# a teardown that force-deletes its containers and then fails the test if anything is left:
# state, cgroups, mounts or processes.
#
# BERTH=/path/to/runtime selects the binary (default: berth at the repo root). The tests
# also run against runc (BERTH=/usr/sbin/runc) to check the tests themselves; where berth
# deliberately differs from runc the test says so.

bats_require_minimum_version 1.5.0

REPO_ROOT=${REPO_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
BERTH=${BERTH:-$REPO_ROOT/berth}
# Every runtime call is bounded so a hang fails one test instead of the whole run.
BERTH_TIMEOUT=${BERTH_TIMEOUT:-60}

# berth ARGS...: the runtime under test with this test's state root.
berth() {
	timeout -k 5 "$BERTH_TIMEOUT" "$BERTH" --root "$ROOT" "$@"
}

# is_runc: true when the suite is pointed at runc rather than berth.
is_runc() { [[ $(basename "$BERTH") == runc* ]]; }

# runc_older_than VERSION: the suite runs against a runc older than VERSION (Debian's 1.1.5),
# for tests of behaviour runc only gained later: `runc_older_than 1.2 && skip "..."`.
runc_older_than() {
	is_runc || return 1
	local v
	v=$("$BERTH" --version | awk '/^runc version/ { print $3 }')
	v=${v%%[-+~]*}
	[[ -n $v && $v != "$1" && $(printf '%s\n%s\n' "$v" "$1" | sort -V | head -n1) == "$v" ]]
}

# skip_if_runc_before VERSION WHAT: WHAT came with runc VERSION; skip when the suite runs
# against an older runc instead of berth.
skip_if_runc_before() {
	if runc_older_than "$1"; then
		skip "runc predates $1: $2"
	fi
	return 0
}

# rootfs_template: the busybox rootfs, built once per bats run (the first test builds it).
rootfs_template() {
	local template=$BATS_RUN_TMPDIR/rootfs-template
	if [[ ! -e $template/.complete ]]; then
		# mkdir is atomic, so with parallel jobs only one test builds the template.
		if mkdir "$BATS_RUN_TMPDIR/rootfs-template.lock" 2>/dev/null; then
			"$REPO_ROOT/contrib/mkrootfs.sh" "$template" >&2
			touch "$template/.complete"
		else
			while [[ ! -e $template/.complete ]]; do sleep 0.1; done
		fi
	fi
	echo "$template"
}

# setup: every test's fresh bundle and root. A file that needs more defines its own setup
# and calls berth_setup first.
setup() { berth_setup; }

berth_setup() {
	[[ -x $BERTH ]] || fail "runtime under test '$BERTH' is not executable (run 'make' first)"
	# A user-namespaced container's root is an unprivileged host uid that must be able to
	# walk down to the bundle: bats makes its temporary directories 0700.
	local d=$BATS_TEST_TMPDIR
	while [[ $d != / && $d != /tmp ]]; do
		chmod a+x "$d"
		d=$(dirname "$d")
	done

	ROOT=$BATS_TEST_TMPDIR/state
	mkdir -p "$ROOT"
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	# Container names carry the test number and a random part: a leftover from an earlier
	# run can never be mistaken for this test's container.
	TEST_MARK=t${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}-$RANDOM$RANDOM
	CLEANUPS=()
	ID=$(new_id)
	make_bundle "$BUNDLE"
}

# new_id: a fresh container name. Every name starts with berth-$TEST_MARK-, which is how
# teardown finds what a test's containers left behind.
new_id() { echo "berth-$TEST_MARK-$RANDOM"; }

# make_bundle DIR: a bundle with a copy of the rootfs and `berth spec`'s config, made
# non-interactive, running `true`, with a writable root (tests leave files there to be
# read from the host), and marked so teardown can find stray processes.
make_bundle() {
	local dir=$1
	mkdir -p "$dir"
	cp -a "$(rootfs_template)" "$dir/rootfs"
	rm -f "$dir/rootfs/.complete"
	(cd "$dir" && "$BERTH" spec) || fail "$BERTH spec failed"
	BUNDLE=$dir update_config --arg mark "BERTH_TEST_MARK=$TEST_MARK" \
		'.process.terminal = false | .process.args = ["true"] | .process.env += [$mark] | .root.readonly = false'
}

# update_config [jq options...] FILTER: edit $BUNDLE/config.json in place with jq.
update_config() {
	local config=${BUNDLE:?}/config.json
	jq "$@" <"$config" >"$config.new" || fail "update_config: jq $* failed"
	mv "$config.new" "$config"
}

# set_args ARG...: the container's process.args, one jq --arg each (so "-c" or quotes
# inside an argument are kept as they are).
set_args() {
	local jq_args=() i
	for ((i = 1; i <= $#; i++)); do
		jq_args+=(--arg "a$i" "${!i}")
	done
	update_config "${jq_args[@]}" --argjson n $# \
		'.process.args = [range(1; $n + 1) as $i | $ARGS.named["a\($i)"]]'
}

# on_teardown CMD...: run CMD (as a string for eval) before teardown's leftover checks.
on_teardown() { CLEANUPS+=("$*"); }

# run_detached ARGS...: like `run berth ARGS`, for commands after which the container keeps
# the caller's stdio (create, run -d). Output goes through files, so bats does not wait
# for the container to close a pipe. The container's stdout keeps going to $CONTAINER_OUT.
run_detached() {
	DETACHED_N=$((${DETACHED_N:-0} + 1))
	CONTAINER_OUT=$BATS_TEST_TMPDIR/detached.$DETACHED_N.out
	local err=$BATS_TEST_TMPDIR/detached.$DETACHED_N.err
	status=0
	berth "$@" >"$CONTAINER_OUT" 2>"$err" </dev/null || status=$?
	output=$(cat "$err" "$CONTAINER_OUT")
	stderr=$(cat "$err")
}

# create_container [CREATE OPTIONS...] ID: create from $BUNDLE and insist it worked.
create_container() {
	run_detached create --bundle "$BUNDLE" "$@"
	[[ $status -eq 0 ]] || fail "create $* failed ($status): $output"
}

# container_pid ID: the pid from `berth state`.
container_pid() {
	local pid
	pid=$(berth state "$1" | jq -r .pid) || fail "state $1 failed"
	echo "$pid"
}

# status_field NAME: the value of NAME in the /proc/self/status a container printed
# ($output).
status_field() { awk -v f="$1:" '$1 == f { print $2 }' <<<"$output"; }

# container_status ID: the status from `berth state`.
container_status() { berth state "$1" | jq -r .status; }

# wait_for_status ID STATUS [SECONDS]: poll until the container reaches STATUS.
wait_for_status() {
	local id=$1 want=$2 tries=$((${3:-10} * 10)) got
	while ((tries-- > 0)); do
		got=$(container_status "$id" 2>/dev/null) || true
		[[ $got == "$want" ]] && return 0
		sleep 0.1
	done
	fail "container $id is '$got', not '$want'"
}

# wait_for_file PATH [SECONDS]: poll until PATH exists.
wait_for_file() {
	local tries=$((${2:-10} * 10))
	while ((tries-- > 0)); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $1"
}

# read_written FILE: FILE's content once it is not empty (up to 2 s): a shell in the
# container rewriting it with `>` truncates it before each write, and a read in between
# sees nothing. Prints what it read, possibly nothing.
read_written() {
	local v tries=20
	while ((tries-- > 0)); do
		v=$(cat "$1" 2>/dev/null) || true
		[[ -n $v ]] && break
		sleep 0.1
	done
	printf '%s' "$v"
}

# process_gone PID: the process no longer exists (or is a zombie waiting for its reaper).
process_gone() {
	[[ ! -e /proc/$1 ]] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# add_netns NAME: `ip netns add NAME`, undone at teardown. The first `ip netns add` on a
# host also turns /run/netns into a mount point; that is undone too when it was ours.
add_netns() {
	local had_dir=0 had_mount=0
	[[ -d /run/netns ]] && had_dir=1
	mountpoint -q /run/netns && had_mount=1
	ip netns add "$1" || fail "ip netns add $1"
	on_teardown "ip netns delete '$1'; restore_run_netns $had_dir $had_mount"
}

# restore_run_netns HAD_DIR HAD_MOUNT: put /run/netns back as it was, if nothing else uses it.
restore_run_netns() {
	[[ -n $(ls -A /run/netns 2>/dev/null) ]] && return 0
	if [[ $2 == 0 ]] && mountpoint -q /run/netns; then umount /run/netns; fi
	if [[ $1 == 0 ]]; then rmdir /run/netns 2>/dev/null || true; fi
}

# host_ns TYPE: this shell's namespace link, e.g. "net:[4026531840]".
host_ns() { readlink "/proc/self/ns/$1"; }

# assert_one_runtime_path LOG: the --debug --log-format json LOG of a create, run or exec
# shows the one-runtime path (nsenter's plan) and no record of a `berth init`.
assert_one_runtime_path() {
	jq -e -s 'any(.[]; .stage == "spawn init" and .detail == "nsenter plan")' "$1" >/dev/null ||
		fail "not the one-runtime path: $(grep path "$1")"
	jq -e -s 'all(.[]; .proc != "init")' "$1" >/dev/null || fail "records of an init: $(grep '"init"' "$1")"
}

fail() {
	echo "FAIL: $*" >&2
	return 1
}

assert_success() {
	[[ $status -eq 0 ]] || fail "expected success, got exit $status; output: $output"
}

# assert_failure [STATUS]: non-zero (or exactly STATUS).
assert_failure() {
	if [[ $# -gt 0 ]]; then
		[[ $status -eq $1 ]] || fail "expected exit $1, got $status; output: $output"
	else
		[[ $status -ne 0 ]] || fail "expected failure, got success; output: $output"
	fi
}

assert_output_contains() {
	[[ $output == *"$1"* ]] || fail "output does not contain '$1': $output"
}

assert_output_not_contains() {
	[[ $output != *"$1"* ]] || fail "output contains '$1': $output"
}

# assert_equal ACTUAL EXPECTED [WHAT]
assert_equal() {
	[[ $1 == "$2" ]] || fail "${3:-value}: expected '$2', got '$1'"
}

# assert_one_line_error PATTERN: the runtime's stderr ($stderr from run --separate-stderr
# or run_detached) is exactly one non-empty line and matches the extended regex PATTERN,
# ignoring case.
assert_one_line_error() {
	local lines
	lines=$(grep -c . <<<"$stderr" || true)
	[[ $lines -eq 1 ]] || fail "expected a one-line error, got $lines lines: $stderr"
	grep -qiE -- "$1" <<<"$stderr" || fail "error does not match /$1/i: $stderr"
}

# leftovers: print what this test's containers left on the host; nothing means clean.
leftovers() {
	# The root is private to the test, so any container state in it is a leftover.
	find "$ROOT" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null | sed 's/^/state: /'
	test_cgroups | sed 's/^/cgroup: /'
}

# test_cgroups: cgroup directories named after this test's containers. They may sit below
# the runtime's own cgroup (a relative path), so look a few levels deep.
test_cgroups() {
	find /sys/fs/cgroup/*/ -maxdepth 6 -type d -name "berth-$TEST_MARK-*" 2>/dev/null
}

teardown() {
	local cmd id pid problems=()
	for id in $(berth list -q 2>/dev/null); do
		berth delete --force "$id" >/dev/null 2>&1 || true
	done
	# Test clean-ups (netns, host mounts) run after the containers that used them are gone.
	for cmd in "${CLEANUPS[@]}"; do
		eval "$cmd" || true
	done
	problems+=("$(leftovers)")
	if [[ -n $(berth list -q 2>/dev/null) ]]; then
		problems+=("containers still listed: $(berth list -q)")
	fi
	# Mount points are field 5 of mountinfo.
	if awk -v p="$BATS_TEST_TMPDIR/" 'index($5, p) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		problems+=("mounts under $BATS_TEST_TMPDIR: $(awk -v p="$BATS_TEST_TMPDIR/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo)")
	fi
	# Every container process carries BERTH_TEST_MARK=<this test> in its environment.
	for pid in $(grep -lsa "BERTH_TEST_MARK=$TEST_MARK" /proc/[0-9]*/environ | cut -d/ -f3); do
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		problems+=("process left: $pid $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)")
	done
	# A created container's init has not taken the container's environment yet, but it
	# already sits in the container's cgroup.
	local cgroup_pids
	cgroup_pids=$(test_cgroups | sed 's|$|/cgroup.procs|' | xargs -r cat 2>/dev/null | sort -u)
	for pid in $cgroup_pids; do
		problems+=("process left in the container's cgroup: $pid $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)")
	done
	local p text=""
	for p in "${problems[@]}"; do
		[[ -n $p ]] && text+="$p"$'\n'
	done
	if [[ -n $text ]]; then
		# Clean what we can so one failure does not cascade, then fail this test.
		for pid in $cgroup_pids $(grep -lsa "BERTH_TEST_MARK=$TEST_MARK" /proc/[0-9]*/environ | cut -d/ -f3); do
			kill -9 "$pid" 2>/dev/null || true
		done
		# Killed processes leave their cgroup a moment later; retry for up to 5s.
		local tries=50
		while ((tries-- > 0)) && [[ -n $(test_cgroups) ]]; do
			test_cgroups | sort -r | xargs -r rmdir 2>/dev/null || sleep 0.1
		done
		awk -v p="$BATS_TEST_TMPDIR/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo |
			sort -r | xargs -r umount -l 2>/dev/null || true
		fail "left behind after teardown:"$'\n'"$text"
	fi
}
