#!/usr/bin/env bats
# The command line as runc parses it: a command's flags count wherever they stand among its
# arguments, an argument a command does not take is an error (never silently ignored), and
# everything after exec's command is the process's own.

load helpers
load cgroups_helpers

# bats test_tags=vm
@test "flags after the container id are applied (update, kill, delete, run)" {
	update_config '.linux.resources.pids = {limit: 50}'
	use_cgroup_path
	set_args sleep 1000
	run_detached run "$ID" -d --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid"
	assert_success
	wait_for_status "$ID" running
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pid")" "$(container_pid "$ID")" "--pid-file after the id"

	run berth update "$ID" --pids-limit 17
	assert_success
	assert_equal "$(pids_max)" 17 "pids.max after update ID --pids-limit"
	run berth update "$ID" --pids-limit=23
	assert_success
	assert_equal "$(pids_max)" 23 "pids.max after update ID --pids-limit=N"

	run berth kill "$ID" KILL --all
	assert_success
	wait_for_status "$ID" stopped
	run berth delete "$ID" --force
	assert_success
	run berth state "$ID"
	assert_failure
}

@test "an argument a command does not take is an error, in runc's words" {
	update_config '.linux.resources.pids = {limit: 50}'
	use_cgroup_path
	run_sleeper

	# An unknown flag after the id is an argument too many: nothing changes. (runc since
	# its move to urfave/cli v3, after 1.5.0-rc.1, parses it as a flag and refuses it as
	# such: either refusal will do.)
	run --separate-stderr berth update "$ID" --bogus 1
	assert_failure 1
	assert_output_contains "Incorrect Usage"
	[[ $stderr == *'update'*'requires exactly 1 argument(s)'* || $stderr == *'flag provided but not defined'* ]] ||
		fail "stderr: $stderr"
	assert_equal "$(pids_max)" 50 "pids.max after a refused update"

	run --separate-stderr berth state "$ID" extra
	assert_failure 1
	[[ $stderr == *'state'*'requires exactly 1 argument(s)'* ]] || fail "stderr: $stderr"

	run --separate-stderr berth kill "$ID" KILL extra
	assert_failure 1
	[[ $stderr == *'kill'*'requires a maximum of 2 argument(s)'* ]] || fail "stderr: $stderr"
	assert_equal "$(container_status "$ID")" running "status after a refused kill"

	run --separate-stderr berth kill
	assert_failure 1
	[[ $stderr == *'kill'*'requires a minimum of 1 argument(s)'* ]] || fail "stderr: $stderr"

	run --separate-stderr berth list extra
	assert_failure 1
	[[ $stderr == *'list'*'requires exactly 0 argument(s)'* ]] || fail "stderr: $stderr"

	# A global flag is not a command's flag.
	run --separate-stderr berth delete "$ID" --root /nonexistent
	assert_failure 1
	[[ $stderr == *'delete'*'requires exactly 1 argument(s)'* ]] || fail "stderr: $stderr"

	# An unknown flag before the id.
	run --separate-stderr berth state --bogus "$ID"
	assert_failure 1
	[[ $stderr == *'flag provided but not defined: -bogus'* ]] || fail "stderr: $stderr"
}

@test "containers named h and help are containers, not the help command (as runc)" {
	use_cgroup_path
	set_args sh -c 'echo ran'
	for id in h help; do
		run berth run --bundle "$BUNDLE" "$id"
		assert_success
		assert_equal "$output" ran "run $id"
	done
	for cmd in state start kill delete pause resume ps events; do
		run --separate-stderr berth "$cmd" help
		assert_failure
		[[ $stderr == *'does not exist'* ]] || fail "$cmd help: $stderr $output"
	done
	run --separate-stderr berth exec h true
	assert_failure
	[[ $stderr == *'does not exist'* ]] || fail "exec h: $stderr $output"
	# Help is still there, as runc has it.
	for args in "run --help" "help run" "run -h"; do
		run berth $args
		assert_success
		assert_output_contains "USAGE:"
	done
}

@test "exec: everything after the command belongs to the process" {
	run_sleeper
	run berth exec "$ID" sh -c 'echo "[$0] [$1] [$X]"' --env X=1
	assert_success
	assert_equal "$output" "[--env] [X=1] []" "argv after the command"

	run berth exec --env X=2 "$ID" sh -c 'echo "[$X]"'
	assert_success
	assert_equal "$output" "[2]" "--env before the id"

	run berth exec "$ID" sh -c 'ls -ld /' --tty
	assert_success
	assert_output_contains "drwx"

	# After the id, "--env" is the command to run, as with runc.
	run --separate-stderr berth exec "$ID" --env X=1 sh
	assert_failure 255
	[[ $stderr == *"exec failed"*"--env"* ]] || fail "stderr: $stderr"
}

@test "exec exits 255 when the process cannot be started" {
	run_sleeper
	run --separate-stderr berth exec "$ID" /no/such/binary
	assert_failure 255
	[[ $stderr == *"exec failed"* ]] || fail "stderr: $stderr"

	run --separate-stderr berth exec "$ID"
	assert_failure 255
	[[ $stderr == *"process args cannot be empty"* ]] || fail "stderr: $stderr"

	run --separate-stderr berth exec "berth-$TEST_MARK-none" true
	assert_failure 255
	[[ $stderr == *"does not exist"* ]] || fail "stderr: $stderr"

	# The process's own status is passed on as it is.
	run berth exec "$ID" sh -c 'exit 3'
	assert_failure 3
}

@test "ps: what follows the id is for ps(1)" {
	run_sleeper
	run berth ps "$ID" -o pid,args
	assert_success
	assert_output_contains "sleep 1000"
	[[ ${lines[0]} == *PID*COMMAND* ]] || fail "header: ${lines[0]}"
	run berth ps -f json "$ID"
	assert_success
	assert_equal "$output" "[$(container_pid "$ID")]" "ps -f json"
}

@test "--version names the libseccomp berth is linked with" {
	run "$BERTH" --version
	assert_success
	[[ $output =~ (^|$'\n')libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+($'\n'|$) ]] || fail "no libseccomp line: $output"
	features_version=$("$BERTH" features | jq -r '.annotations["io.github.seccomp.libseccomp.version"]')
	assert_output_contains "libseccomp: $features_version"
}

# bats test_tags=vm
@test "spec: a cgroup namespace only on a pure cgroup v2 host" {
	dir=$BATS_TEST_TMPDIR/spec
	mkdir "$dir"
	(cd "$dir" && "$BERTH" spec) || fail "spec failed"
	has=$(jq '[.linux.namespaces[].type] | index("cgroup") != null' "$dir/config.json")
	if is_cgroup2; then
		assert_equal "$has" true "cgroup namespace on cgroup v2"
	else
		assert_equal "$has" false "cgroup namespace on a v1/hybrid host"
	fi
}

@test "features: unsafe annotations, version and commit under the runtime's own key namespace" {
	runc_older_than 1.2 && skip "runc lists potentiallyUnsafeConfigAnnotations since 1.2"
	run "$BERTH" features
	assert_success
	f=$BATS_TEST_TMPDIR/features.json
	echo "$output" >"$f"
	# containerd and CRI-O keep these out of pod annotations passed to the runtime.
	jq -e '.potentiallyUnsafeConfigAnnotations | index("org.systemd.property.")' "$f" >/dev/null ||
		fail "org.systemd.property. not listed as unsafe: $output"
	if is_runc; then
		prefix=org.opencontainers.runc.
	else
		prefix=io.github.berth-runtime.berth.
		# The org.opencontainers namespace is the OCI's own (runtime-spec config.md).
		bad=$(jq -r '.annotations | keys[] | select(startswith("org.opencontainers."))' "$f")
		[[ -z $bad ]] || fail "berth annotation keys in the reserved org.opencontainers namespace: $bad"
	fi
	version=$(jq -r --arg k "${prefix}version" '.annotations[$k]' "$f")
	[[ -n $version && $version != null ]] || fail "no ${prefix}version: $output"
	[[ $("$BERTH" --version) == *"version $version"* ]] || fail "features version $version is not --version's"
	commit=$(jq -r --arg k "${prefix}commit" '.annotations[$k] // empty' "$f")
	if [[ -n $commit ]]; then
		[[ $("$BERTH" --version) == *"commit: $commit"* ]] || fail "features commit $commit is not --version's"
	fi
}
