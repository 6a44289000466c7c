#!/usr/bin/env bats
# The one-runtime path and berth init set up the same process: for a fixed series of
# pseudo-random process settings (capability sets drawn independently, so bounding,
# permitted, inheritable and ambient disagree in every way; root or not; groups;
# no_new_privs; umask; cwd; resource limits; for `run`, a seccomp profile or none), `run` and
# `exec` through both must succeed or fail alike, and on success the process must see
# exactly the same ids, capabilities, no_new_privs, seccomp mode, umask, cwd and limits,
# and mkdir must fare the same. Found a bounding-set leak under no_new_privs on the
# one-runtime path (security-nnp-capabilities.bats). Each case's settings are printed on
# failure; SEED picks another series, SHOW=1 prints what the container saw.

load helpers

PROBE='id; grep -E "^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp)" /proc/self/status; umask; pwd
	grep -E "^Max (open files|core file size|stack size|locked memory|msgqueue size)" /proc/self/limits
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

# random_rlimits: process.rlimits (JSON): a few of these limits with soft and hard drawn
# from values below and above this machine's hard limits (raising one needs
# CAP_SYS_RESOURCE, which root lacks here), now and then a soft above its hard.
random_rlimits() {
	local t out=() values=(64 1024 4096 20000 1048576 18446744073709551615) soft hard
	# Not RLIMIT_NPROC: it counts the user's processes on the whole host, so a low one
	# makes the probe's forks fail or not with what else runs.
	for t in RLIMIT_NOFILE RLIMIT_CORE RLIMIT_STACK RLIMIT_MEMLOCK RLIMIT_MSGQUEUE; do
		((RANDOM % 3)) && continue
		soft=${values[RANDOM % ${#values[@]}]} hard=${values[RANDOM % ${#values[@]}]}
		if [[ $t == RLIMIT_STACK ]]; then
			# Not a stack of a few bytes: on the one-runtime path the limit is set before
			# the sealed exec program runs, which then dies at once ("report pipe
			# closed"), where init's process dies of it later (139, as with runc).
			soft=${values[4 + RANDOM % 2]} hard=${values[4 + RANDOM % 2]}
		fi
		# Mostly a valid pair.
		if ((RANDOM % 4)) && [[ $(printf '%s\n%s\n' "$soft" "$hard" | sort -n | head -1) != "$soft" ]]; then
			local x=$soft
			soft=$hard hard=$x
		fi
		out+=("{\"type\": \"$t\", \"soft\": $soft, \"hard\": $hard}")
	done
	local IFS=,
	echo "[${out[*]}]"
}

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
		--argjson e "$e" --argjson i "$i" --argjson a "$a" --arg probe "$PROBE" --argjson rlimits "$(random_rlimits)" '
		{user: ({uid: $uid, gid: $gid, additionalGids: $groups} + (if $umask == null then {} else {umask: $umask} end)),
		 args: ["sh", "-c", $probe], cwd: $cwd, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
		 noNewPrivileges: $nnp,
		 capabilities: {bounding: $b, permitted: $p, effective: $e, inheritable: $i, ambient: $a},
		 rlimits: $rlimits}'
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
	local name=$1 plan plan_status plan_stderr
	shift
	run --separate-stderr berth "$@"
	plan=$output plan_status=$status plan_stderr=$stderr
	BERTH_NO_PLAN=1 run --separate-stderr berth "$@"
	if ((plan_status != status)); then
		fail "$name: the one-runtime path exited $plan_status, init $status (errors: '$plan_stderr', '$stderr'; outputs: $(diff <(echo "$output") <(echo "$plan")))"
	fi
	if ((status == 0)) && [[ $plan != "$output" ]]; then
		fail "$name: the one-runtime path and init differ: $(diff <(echo "$output") <(echo "$plan"))"
	fi
}

@test "plan-vs-init: run and exec (also into a user namespace) set up the same process on both paths, over 24 random process settings and seccomp profiles" {
	is_runc && skip "berth's two paths"
	RANDOM=${SEED:-12}
	local n process seccomp
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID-sleeper"
	assert_success
	# A second one with a user namespace, for exec (the one-runtime path joins it).
	update_config '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
	run_detached run -d --bundle "$BUNDLE" "$ID-usleeper"
	assert_success
	update_config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	for n in $(seq 24); do
		process=$(random_process)
		echo "$process" >"$BATS_TEST_TMPDIR/process.json"
		seccomp=$(random_seccomp)
		update_config --argjson p "$process" --argjson s "$seccomp" '.process = $p | .linux.seccomp = $s'
		both_paths "case $n: run with $(jq -c . <<<"$process"), seccomp $seccomp" run --bundle "$BUNDLE" "$ID-$n"
		both_paths "case $n: exec with $(jq -c . <<<"$process")" exec --process "$BATS_TEST_TMPDIR/process.json" "$ID-sleeper"
		both_paths "case $n: exec into a user namespace with $(jq -c . <<<"$process")" \
			exec --process "$BATS_TEST_TMPDIR/process.json" "$ID-usleeper"
	done
}

# pick JSON_ARRAY: a random subset of a JSON array's elements.
pick() {
	local n i out=()
	n=$(jq length <<<"$1")
	for ((i = 0; i < n; i++)); do ((RANDOM % 2)) && out+=("$(jq -c ".[$i]" <<<"$1")"); done
	local IFS=,
	echo "[${out[*]}]"
}

# random_container SRC: the container-wide settings (JSON: a jq program's inputs) drawn
# from $RANDOM; SRC is a host directory a bind may use.
random_container() {
	local src=$1
	jq -n --argjson ro "$(((RANDOM % 2)) && echo true || echo false)" \
		--argjson masked "$(pick '["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/acpi", "/proc/scsi", "/sys/firmware", "/proc/no-such-file"]')" \
		--argjson readonly "$(pick '["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]')" \
		--argjson mounts "$(pick "$(jq -nc --arg src "$src" '[
			{destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=1m", "mode=700"]},
			{destination: "/tmp/ro", type: "tmpfs", source: "tmpfs", options: ["ro", "noexec"]},
			{destination: "/mnt", type: "bind", source: $src, options: ["bind", "ro", "nosuid"]},
			{destination: "/opt/rw", type: "bind", source: $src, options: ["rbind", "rw"]},
			{destination: "/srv/rslave", type: "bind", source: $src, options: ["rbind", "rslave", "nodev"]},
			{destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=2m"]}]')")" \
		--argjson hostname "$(((RANDOM % 2)) && echo '"differential"' || echo null)" \
		--argjson sysctl "$(pick '[{"net.ipv4.ip_forward": "1"}, {"kernel.msgmax": "9000"}]')" \
		--argjson oom "$(case $((RANDOM % 3)) in 0) echo null ;; 1) echo 100 ;; 2) echo 500 ;; esac)" \
		--argjson cgroupns "$(((RANDOM % 2)) && echo true || echo false)" \
		--argjson userns "$(((RANDOM % 3)) && echo false || echo true)" \
		--argjson devices "$(pick '[{"path": "/dev/berth-full", "type": "c", "major": 1, "minor": 7, "fileMode": 432, "uid": 1000, "gid": 100},
			{"path": "/dev/sub/zero2", "type": "c", "major": 1, "minor": 5}, {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]')" \
		--argjson propagation "$(case $((RANDOM % 4)) in 0) echo null ;; 1) echo '"private"' ;; 2) echo '"slave"' ;; 3) echo '"shared"' ;; esac)" \
		'{ro: $ro, masked: $masked, readonly: $readonly, mounts: $mounts, hostname: $hostname,
		  sysctl: ($sysctl | add // {}), oom: $oom, cgroupns: $cgroupns, userns: $userns,
		  devices: $devices, propagation: $propagation}'
}

# The probe: every mount (from mountinfo, its ids and peer group numbers left out), and
# what the process finds at the paths the settings touch.
CONTAINER_PROBE='awk "{ o = \"\"; for (i = 7; \$i != \"-\"; i++) { sub(/:[0-9]+/, \"\", \$i); o = o \" \" \$i }
		print \$4, \$5, \$6, o, \$(i + 1), \$(i + 2), \$(i + 3) }" /proc/self/mountinfo | sort; hostname; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax /proc/self/oom_score_adj
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/acpi /proc/scsi /sys/firmware /proc/bus /proc/sys /run /mnt /opt/rw /dev/shm /tmp/ro /; do
		stat -c "%n %u %g %a %F" "$f" 2>&1; done
	head -c 16 /proc/kcore 2>&1 | wc -c; ls /sys/firmware 2>&1 | wc -l
	touch /proc/sys/kernel/msgmax 2>&1; touch /mnt/probe 2>&1; touch /probe-root 2>&1 && rm /probe-root
	for f in /dev/* /dev/sub/*; do stat -c "%n %F %t:%T %a %u %g" "$f" 2>&1; done | sort
	readlink /proc/self/ns/cgroup >/dev/null && cat /proc/self/cgroup | sed "s/[0-9]*$//" | sort'

@test "plan-vs-init: the container's mounts, masks, read-only paths, devices, hostname, sysctls and oom score are the same on both paths, over 16 random configurations, a third in a user namespace" {
	is_runc && skip "berth's two paths"
	RANDOM=${SEED:-12}
	local n c src=$BATS_TEST_TMPDIR/bind-src
	mkdir -p "$src" && echo from-host >"$src/file"
	# Every mount point exists from the start, with a mode of its own (a tmpfs without
	# mode= takes it): a run that made one would otherwise change what the next one sees.
	install -d -m 0750 "$BUNDLE/rootfs/tmp/ro"
	install -d -m 0700 "$BUNDLE/rootfs/opt/rw"
	install -d -m 0755 "$BUNDLE/rootfs/run" "$BUNDLE/rootfs/mnt" "$BUNDLE/rootfs/srv/rslave"
	for n in $(seq 16); do
		c=$(random_container "$src")
		update_config --argjson c "$c" --arg probe "$CONTAINER_PROBE" '
			.root.readonly = $c.ro | .linux.maskedPaths = $c.masked | .linux.readonlyPaths = $c.readonly |
			.mounts += $c.mounts | .linux.sysctl = $c.sysctl |
			(if $c.hostname == null then del(.hostname) else .hostname = $c.hostname end) |
			(if $c.oom == null then del(.process.oomScoreAdj) else .process.oomScoreAdj = $c.oom end) |
			(if $c.cgroupns then .linux.namespaces += [{type: "cgroup"}] else . end) |
			.linux.devices = $c.devices |
			(if $c.propagation == null then del(.linux.rootfsPropagation) else .linux.rootfsPropagation = $c.propagation end) |
			(if $c.userns then .linux.namespaces += [{type: "user"}] |
				.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
				.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}] else . end) |
			.process.args = ["sh", "-c", $probe]'
		both_paths "case $n: $(jq -c . <<<"$c")" run --bundle "$BUNDLE" "$ID-$n"
		[[ -n ${SHOW:-} ]] && echo "$output" >&3
		# Back to the bundle's own settings for the next draw.
		update_config --argjson c "$c" '.mounts |= .[0:(length - ($c.mounts | length))] |
			.linux.namespaces |= map(select(.type != "cgroup" and .type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	done
}

# quiet_stdin: an input that stays open without a byte for a while: script(1) turns the
# end of its input into a NUL typed on the terminal, which the pty echoes when it comes
# (as "^@") at a moment that depends on timing.
quiet_stdin() { sleep 10; }

TTY_PROBE='tty; stat -c "%u %g %a %t:%T" $(tty); stat -c "%F %t:%T" /dev/console; stty -a | tr -s " " | sort; ls /dev/pts | sort; id -u'

@test "plan-vs-init: a foreground terminal looks the same on both paths, for run and exec, root or not, with or without a user namespace" {
	is_runc && skip "berth's two paths"
	local userns user size plan
	set_args sleep 1000
	for userns in false true; do
		for user in 0 1000; do
			for size in null 33x101; do
				update_config --argjson u "$userns" --argjson uid "$user" --arg size "$size" --arg probe "$TTY_PROBE" '
					.process.terminal = true | .process.user = {uid: $uid, gid: $uid} |
					.process.args = ["sh", "-c", $probe] |
					(if $size == "null" then del(.process.consoleSize)
					 else .process.consoleSize = {height: ($size | split("x")[0] | tonumber), width: ($size | split("x")[1] | tonumber)} end) |
					.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings) |
					(if $u then .linux.namespaces += [{type: "user"}] |
						.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
						.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}] else . end)'
				run script -qec "$BERTH --root $ROOT run --bundle $BUNDLE $ID-p" /dev/null < <(quiet_stdin)
				assert_success
				plan=$(tr -d '\r' <<<"$output")
				run script -qec "env BERTH_NO_PLAN=1 $BERTH --root $ROOT run --bundle $BUNDLE $ID-i" /dev/null < <(quiet_stdin)
				assert_success
				[[ $plan == "$(tr -d '\r' <<<"$output")" ]] ||
					fail "run, userns $userns, uid $user, size $size: $(diff <(tr -d '\r' <<<"$output") <(echo "$plan"))"
				[[ $plan == *"/dev/pts/0"* ]] || fail "no terminal: $plan"
			done
		done
		# exec -t into a running container of each kind.
		update_config '.process.terminal = false | .process.args = ["sleep", "1000"]'
		run_detached run -d --bundle "$BUNDLE" "$ID-$userns"
		assert_success
		for user in 0 1000; do
			run script -qec "$BERTH --root $ROOT exec -t --user $user:$user $ID-$userns sh -c '$TTY_PROBE'" /dev/null < <(quiet_stdin)
			assert_success
			plan=$(tr -d '\r' <<<"$output")
			run script -qec "env BERTH_NO_PLAN=1 $BERTH --root $ROOT exec -t --user $user:$user $ID-$userns sh -c '$TTY_PROBE'" /dev/null < <(quiet_stdin)
			assert_success
			# The pty's number depends on what the container has open.
			[[ $(sed 's#/dev/pts/[0-9]*#PTS#; s/^[0-9]$//' <<<"$plan") == "$(tr -d '\r' <<<"$output" | sed 's#/dev/pts/[0-9]*#PTS#; s/^[0-9]$//')" ]] ||
				fail "exec, userns $userns, uid $user: $(diff <(tr -d '\r' <<<"$output") <(echo "$plan"))"
		done
	done
}

# hook_script FILE OUT: a hook that appends to OUT what it sees: its stage (argv[1]), the
# state on its stdin (the pid left out), its working directory, and which of its
# namespaces are the container's.
hook_script() {
	cat >"$1" <<-'HOOK'
	#!/bin/sh
	state=$(cat)
	pid=$(echo "$state" | jq .pid)
	{
		echo "$1: $(echo "$state" | jq -c 'del(.pid)') in $(pwd)"
		for ns in mnt net pid uts ipc; do
			if [ "$pid" -gt 0 ] 2>/dev/null && [ "$(readlink /proc/self/ns/$ns)" = "$(readlink /proc/$pid/ns/$ns 2>/dev/null)" ]; then
				echo "$1: the container's $ns namespace"
			fi
		done
	} >>"$2"
	HOOK
	chmod +x "$1"
}

@test "plan-vs-init: the runtime's hooks see the same state, directory and namespaces on both paths" {
	is_runc && skip "berth's two paths"
	local hook=$BATS_TEST_TMPDIR/hook.sh out plan
	hook_script "$hook"
	for path in plan init; do
		out=$BATS_TEST_TMPDIR/hooks-$path.out
		update_config --arg h "$hook" --arg o "$out" '.hooks = ({} |
			reduce ("prestart", "createRuntime", "poststart", "poststop") as $s (.; .[$s] = [{path: $h, args: [$h, $s, $o]}])) |
			.annotations = {"org.example.key": "value"}'
		set_args true
		if [[ $path == plan ]]; then
			run berth run --bundle "$BUNDLE" "$ID"
		else
			BERTH_NO_PLAN=1 run berth run --bundle "$BUNDLE" "$ID"
		fi
		assert_success
	done
	plan=$(cat "$BATS_TEST_TMPDIR/hooks-plan.out")
	[[ $plan == "$(cat "$BATS_TEST_TMPDIR/hooks-init.out")" ]] ||
		fail "the hooks saw different things: $(diff "$BATS_TEST_TMPDIR/hooks-init.out" "$BATS_TEST_TMPDIR/hooks-plan.out")"
	for s in prestart createRuntime poststart poststop; do
		[[ $plan == *"$s: {"* ]] || fail "no $s hook ran: $plan"
	done
}

# random_env_process: a process whose environment, program and working directory are drawn
# from $RANDOM: HOME set, empty or unset, PATH set, unusual or unset, a user with or
# without a passwd entry, the program by name, by absolute or relative path or missing,
# a working directory that exists, is new, or is a symlink inside the rootfs.
random_env_process() {
	local env=() uid prog cwd
	case $((RANDOM % 3)) in 0) env+=("HOME=/srv/home") ;; 1) env+=("HOME=") ;; esac
	case $((RANDOM % 3)) in 0) env+=("PATH=/usr/sbin:/usr/bin:/sbin:/bin") ;; 1) env+=("PATH=/nowhere:/bin") ;; esac
	case $((RANDOM % 3)) in 0) uid=0 ;; 1) uid=1000 ;; 2) uid=4242 ;; esac
	case $((RANDOM % 5)) in 0) prog=sh ;; 1) prog=/bin/sh ;; 2) prog=bin/sh ;; 3) prog=no-such-program ;; 4) prog=/bin/no-such ;; esac
	case $((RANDOM % 4)) in 0) cwd=/ ;; 1) cwd=/srv/new-$RANDOM ;; 2) cwd=/srv/link ;; 3) cwd=/tmp ;; esac
	jq -n --arg prog "$prog" --arg cwd "$cwd" --argjson uid "$uid" --args '{
		args: [$prog, "-c", "echo \"HOME=$HOME PATH=$PATH\"; pwd; id; echo \"$0\""],
		env: $ARGS.positional, cwd: $cwd, user: {uid: $uid, gid: $uid}}' "${env[@]}"
}

@test "plan-vs-init: HOME, PATH, the program's lookup and the working directory come out the same on both paths, over 24 random processes" {
	is_runc && skip "berth's two paths"
	RANDOM=${SEED:-12}
	local n process
	mkdir -p "$BUNDLE/rootfs/srv/target"
	ln -sfn target "$BUNDLE/rootfs/srv/link"
	set_args sleep 1000
	run_detached run -d --bundle "$BUNDLE" "$ID-sleeper"
	assert_success
	for n in $(seq 24); do
		process=$(random_env_process)
		echo "$process" >"$BATS_TEST_TMPDIR/process.json"
		update_config --argjson p "$process" '.process = $p'
		both_paths "case $n: run with $(jq -c . <<<"$process")" run --bundle "$BUNDLE" "$ID-$n"
		[[ -n ${SHOW:-} ]] && echo "$n: $status $output $stderr" >&3
		both_paths "case $n: exec with $(jq -c . <<<"$process")" exec --process "$BATS_TEST_TMPDIR/process.json" "$ID-sleeper"
	done
}
