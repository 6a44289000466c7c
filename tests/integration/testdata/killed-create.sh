#!/bin/bash
# killed-create.sh RUNTIME ROOT BUNDLE WORKDIR N: kill `RUNTIME create` N times at random
# points (SIGKILL and SIGTERM, as `timeout` sends them, alternately), each time followed
# by `RUNTIME delete --force`, and report what each kill left behind:
#
#   state    an entry for the id in ROOT
#   cgroup   a cgroup directory named after the id
#   process  a process whose root or cwd lies in WORKDIR or BUNDLE (every stage of create
#            starts in WORKDIR; init's root is BUNDLE/rootfs once it pivots), or one in
#            the cgroup
#   mount    a mount point under WORKDIR in this mount namespace
#
# Processes get up to a second to die after delete returns (a parent-death signal or an
# end of file is not instantaneous). The kill points are uniform over one measured
# create. Prints one line per kill that left something, then a summary line:
#   "killed-create: N kills, K left something: state S, cgroup C, process P, mount M"
# Exits 1 if anything was left. Cleans up whatever it finds, so the host stays clean.
# KILLED_CMD="run -d" kills `run -d` instead (berth's one-runtime path).
set -u
runtime=$1 root=$2 bundle=$3 workdir=$4 n=$5
read -r -a cmd <<<"${KILLED_CMD:-create}"

rt() { "$runtime" --root "$root" "$@"; }

# Only the create commands run in WORKDIR: this script and its helpers stay out of it.
[[ -d $workdir ]] || exit 2
cd / || exit 2
mark=kc$RANDOM$RANDOM

# One create, to time it (milliseconds).
t0=$(date +%s%N)
(cd "$workdir" && rt "${cmd[@]}" --bundle "$bundle" "$mark-probe" </dev/null >/dev/null 2>&1) || {
	echo "killed-create: a plain ${cmd[*]} fails: $(rt "${cmd[@]}" --bundle "$bundle" "$mark-probe2" 2>&1 </dev/null)" >&2
	exit 2
}
full_ms=$((($(date +%s%N) - t0) / 1000000))
rt delete --force "$mark-probe" >/dev/null 2>&1

# leftovers ID: what the id left, one "kind: detail" per line.
leftovers() {
	local id=$1 pid cg
	[[ -e $root/$id ]] && echo "state: $root/$id"
	find /sys/fs/cgroup/ -maxdepth 7 -type d -name "$id" 2>/dev/null | sed 's/^/cgroup: /'
	{
		# find -lname reads the magic links of every process at once, quickly.
		find /proc -mindepth 2 -maxdepth 2 \( -name cwd -o -name root \) \( -lname "$workdir*" -o -lname "$bundle*" \) 2>/dev/null |
			cut -d/ -f3
		find /sys/fs/cgroup/ -maxdepth 7 -type d -name "$id" 2>/dev/null | while read -r cg; do cat "$cg/cgroup.procs"; done
	} | sort -u | while read -r pid; do
		[[ -e /proc/$pid ]] || continue
		echo "process: $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
	awk -v p="$workdir/" 'index($5, p) == 1 { print "mount: " $5 }' /proc/self/mountinfo
}

# clean ID: remove what leftovers found (processes, cgroups, mounts, state).
clean() {
	local id=$1 line pid tries=20
	while read -r line; do
		case $line in process:*)
			pid=${line#process: }
			kill -9 "${pid%% *}" 2>/dev/null
			;;
		esac
	done < <(leftovers "$id")
	find /sys/fs/cgroup/ -maxdepth 7 -type d -name "$id" 2>/dev/null | while read -r cg; do
		xargs -r kill -9 <"$cg/cgroup.procs" 2>/dev/null
	done
	while ((tries-- > 0)) && find /sys/fs/cgroup/ -maxdepth 7 -type d -name "$id" 2>/dev/null | grep -q .; do
		find /sys/fs/cgroup/ -maxdepth 7 -type d -name "$id" 2>/dev/null | sort -r | xargs -r rmdir 2>/dev/null || sleep 0.1
	done
	awk -v p="$workdir/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r umount -l 2>/dev/null
	rm -rf "${root:?}/$id"
}

bad=0 n_state=0 n_cgroup=0 n_process=0 n_mount=0
for ((i = 1; i <= n; i++)); do
	id=$mark-$i
	sig=KILL
	((i % 2 == 0)) && sig=TERM
	delay_ms=$((RANDOM % (full_ms + 1)))
	delay=$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))
	(cd "$workdir" && exec timeout -s "$sig" "$delay" "$runtime" --root "$root" "${cmd[@]}" --bundle "$bundle" "$id" </dev/null >/dev/null 2>&1)
	rt delete --force "$id" >/dev/null 2>&1
	left=""
	for ((try = 0; try < 20; try++)); do
		left=$(leftovers "$id")
		[[ -z $left ]] && break
		sleep 0.05
	done
	if [[ -n $left ]]; then
		bad=$((bad + 1))
		grep -q '^state:' <<<"$left" && n_state=$((n_state + 1))
		grep -q '^cgroup:' <<<"$left" && n_cgroup=$((n_cgroup + 1))
		grep -q '^process:' <<<"$left" && n_process=$((n_process + 1))
		grep -q '^mount:' <<<"$left" && n_mount=$((n_mount + 1))
		echo "kill $i (SIG$sig after ${delay}s of a ${full_ms}ms create) left: $(tr '\n' ';' <<<"$left")"
		clean "$id"
	fi
done
echo "killed-create (${cmd[*]}): $n kills, $bad left something: state $n_state, cgroup $n_cgroup, process $n_process, mount $n_mount"
((bad == 0))
