# Finding and removing what the lane's engines left, for helpers.bash (tests) and run.sh (an
# interrupted run). Plain bash: no bats needed.

# mounts_under DIR: mount points at or below DIR (field 5 of mountinfo).
mounts_under() {
	awk -v p="$1/" 'index($5 "/", p) == 1 { print $5 }' /proc/self/mountinfo | sort -u
}

# marked_pids MARK: processes whose environment has LANE_MARK=MARK... (a prefix).
marked_pids() {
	grep -lsa -- "LANE_MARK=$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 |
		grep -vxE "$$|$BASHPID" || true
}

# lane_reap DIR MARK: kill the processes started from DIR (daemons, shims, conmon: their
# command lines name it) and the container processes marked MARK..., then unmount
# everything below DIR. Used before a run (an interrupted run's leftovers) and after one.
lane_reap() {
	local dir=$1 mark=$2 pid m
	for pid in $(pgrep -f -- "$dir/") $(marked_pids "$mark"); do
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		kill -9 "$pid" 2>/dev/null || true
	done
	local tries=50
	while ((tries-- > 0)) && [[ -n $(pgrep -f -- "$dir/") ]]; do sleep 0.1; done
	for m in $(mounts_under "$dir" | sort -r); do
		umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
}

# remove_cgroup_tree NAME: remove /sys/fs/cgroup/*/NAME and everything below it, retrying
# for 5 s while killed processes leave; false if some of it stays.
remove_cgroup_tree() {
	local tries=50
	while compgen -G "/sys/fs/cgroup/*/$1" >/dev/null; do
		find /sys/fs/cgroup/*/"$1" -depth -type d -exec rmdir {} + 2>/dev/null && continue
		((tries-- > 0)) || return 1
		sleep 0.1
	done
}

# remove_stale_sockets DIR: delete the sockets in DIR that nothing listens on any more (a
# killed shim's); a live one is listed in /proc/net/unix.
remove_stale_sockets() {
	local f
	for f in "$1"/*; do
		[[ -S $f ]] || continue
		grep -qF " $f" /proc/net/unix || rm -f "$f"
	done
}
