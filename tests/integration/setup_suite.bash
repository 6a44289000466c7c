# Suite-wide set-up for tests/integration (bats runs it once around all the files it is
# given from this directory): the host is left as the suite found it.
#
# Containers without a cgroupsPath, and the tests' use_cgroup_path, live below the runtime's
# default parent (/berth for berth; the tests pin it for runc too). Runtimes rightly leave
# such parents behind, so the suite removes the ones it made, once they are empty (a parent
# still in use, by another run on the same host, stays).

default_cgroup_parents() {
	ls -d /sys/fs/cgroup/berth /sys/fs/cgroup/*/berth 2>/dev/null || true
}

setup_suite() {
	BERTH_SUITE_HAD_PARENTS=" $(default_cgroup_parents | tr '\n' ' ') "
	export BERTH_SUITE_HAD_PARENTS
}

teardown_suite() {
	local parent
	for parent in $(default_cgroup_parents); do
		[[ $BERTH_SUITE_HAD_PARENTS == *" $parent "* ]] || rmdir "$parent" 2>/dev/null || true
	done
}
