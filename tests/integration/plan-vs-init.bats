#!/usr/bin/env bats
# The one-runtime path and berth init set up the same process: for a fixed series of
# pseudo-random process settings (capability sets drawn independently, so bounding,
# permitted, inheritable and ambient disagree in every way; root or not; groups;
# no_new_privs; umask; cwd; a file limit; for `run`, a seccomp profile or none), `run` and
# `exec` through both must succeed or fail alike, and on success the process must see
# exactly the same ids, capabilities, no_new_privs, seccomp mode, umask, cwd and limit,
# and mkdir must fare the same. Found a bounding-set leak under no_new_privs on the
# one-runtime path (security-nnp-capabilities.bats). Each case's settings are printed on
# failure; SEED picks another series.

load helpers

PROBE='id; grep -E "^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp)" /proc/self/status; umask; pwd; ulimit -n
	mkdir /tmp/probe-$$ 2>&1 | sed "s/-[0-9]*//"; rmdir /tmp/probe-$$ 2>/dev/null; true'
CAPS=(CAP_CHOWN CAP_KILL CAP_SETUID CAP_SETGID CAP_NET_BIND_SERVICE CAP_DAC_OVERRIDE CAP_AUDIT_WRITE CAP_SYS_PTRACE CAP_FOWNER)

# some_caps [CAP...]: a random subset of the capabilities given (default CAPS), as a
# JSON array.
some_caps() {
	local c out=() from=("$@")
	((${#from[@]})) || from=("${CAPS[@]}")
	for c in "${from[@]}"; do ((RANDOM % 2)) && out+=("\"$c\""); done
	local IFS=,
	echo "[${out[*]}]"
}

# caps_in JSON: the names in a JSON array, one per line.
caps_in() { jq -r '.[]' <<<"$1"; }

# random_process: a process object (JSON) for the probe, from $RANDOM.
random_process() {
	local uid=$((RANDOM % 2 * 1000)) gid=$((RANDOM % 2 * 1000)) groups nnp umask cwd
	groups=$(((RANDOM % 2)) && echo '[5, 33]' || echo '[]')
	nnp=$(((RANDOM % 2)) && echo true || echo false)
	case $((RANDOM % 3)) in 0) umask=null ;; 1) umask=63 ;; 2) umask=18 ;; esac
	case $((RANDOM % 3)) in 0) cwd=/ ;; 1) cwd=/tmp ;; 2) cwd=/home/user ;; esac
	# Mostly what the kernel accepts (effective within permitted, ambient within both
	# permitted and inheritable), one case in four drawn freely, which both paths must
	# refuse alike. The bounding set is always drawn freely.
	local b p e i a
	b=$(some_caps) p=$(some_caps) i=$(some_caps)
	if ((RANDOM % 4)); then
		mapfile -t perm < <(caps_in "$p")
		e=$(some_caps "${perm[@]}")
		mapfile -t both < <(comm -12 <(caps_in "$p" | sort) <(caps_in "$i" | sort))
		a=$(some_caps "${both[@]}")
	else
		e=$(some_caps) a=$(some_caps)
	fi
	jq -n --argjson uid "$uid" --argjson gid "$gid" --argjson groups "$groups" --argjson nnp "$nnp" \
		--argjson umask "$umask" --arg cwd "$cwd" --argjson b "$b" --argjson p "$p" \
		--argjson e "$e" --argjson i "$i" --argjson a "$a" --arg probe "$PROBE" '
		{user: ({uid: $uid, gid: $gid, additionalGids: $groups} + (if $umask == null then {} else {umask: $umask} end)),
		 args: ["sh", "-c", $probe], cwd: $cwd, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
		 noNewPrivileges: $nnp,
		 capabilities: {bounding: $b, permitted: $p, effective: $e, inheritable: $i, ambient: $a},
		 rlimits: [{type: "RLIMIT_NOFILE", soft: 777, hard: 888}]}'
}

# random_seccomp: linux.seccomp (JSON) for the container: none, or mkdir refused with
# EACCES, or only logged.
random_seccomp() {
	case $((RANDOM % 3)) in
	0) echo null ;;
	1) echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' ;;
	2) echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}]}' ;;
	esac
}

# both_paths NAME CMD...: run `berth CMD` on the one-runtime path, then through init,
# and require the same outcome and, on success, the same output.
both_paths() {
	local name=$1 plan plan_status
	shift
	run --separate-stderr berth "$@"
	plan=$output plan_status=$status
	BERTH_NO_PLAN=1 run --separate-stderr berth "$@"
	if ((plan_status != status)); then
		fail "$name: the one-runtime path exited $plan_status, init $status (init's error: $stderr)"
	fi
	if ((status == 0)) && [[ $plan != "$output" ]]; then
		fail "$name: the one-runtime path and init differ: $(diff <(echo "$output") <(echo "$plan"))"
	fi
}

@test "plan-vs-init: run and exec set up the same process on both paths, over 24 random process settings and seccomp profiles" {
	is_runc && skip "berth's two paths"
	RANDOM=${SEED:-12}
	local n process seccomp
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID-sleeper"
	assert_success
	for n in $(seq 24); do
		process=$(random_process)
		echo "$process" >"$BATS_TEST_TMPDIR/process.json"
		seccomp=$(random_seccomp)
		update_config --argjson p "$process" --argjson s "$seccomp" '.process = $p | .linux.seccomp = $s'
		both_paths "case $n: run with $(jq -c . <<<"$process"), seccomp $seccomp" run --bundle "$BUNDLE" "$ID-$n"
		both_paths "case $n: exec with $(jq -c . <<<"$process")" exec --process "$BATS_TEST_TMPDIR/process.json" "$ID-sleeper"
	done
}
