package rootfs

import (
	"fmt"
	"path"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// procMountAllowed are the files under /proc a mount may cover, as with runc: lxcfs's
// emulated files, CRIU's ns_last_pid, and fips_enabled.
var procMountAllowed = map[string]bool{
	"/proc/cpuinfo": true, "/proc/diskstats": true, "/proc/meminfo": true, "/proc/stat": true,
	"/proc/swaps": true, "/proc/uptime": true, "/proc/loadavg": true, "/proc/slabinfo": true,
	"/proc/sys/kernel/ns_last_pid": true, "/proc/sys/crypto/fips_enabled": true,
}

// checkProcMount refuses what runc refuses on /proc, in its words, so that a caller
// matching them sees the same: a mount covering a file of the container's procfs could
// hide the kernel interfaces the runtime and the LSMs rely on (/proc/self/attr, the
// class of CVE-2019-16884). /proc itself takes only a procfs (a new one, or a bind of
// one); below it only the allowed files, and tmpfs masks (masked paths, as engines use),
// while proc, sysfs, mqueue and cgroup mounts are not checked, as runc does not.
// srcIsProcfs reports whether a bind's source is a procfs.
func checkProcMount(m configs.Mount, srcIsProcfs func() bool) error {
	dest := path.Clean("/" + m.Destination)
	switch m.Type {
	case "proc", "sysfs", "tmpfs", "mqueue", "cgroup", "cgroup2":
		if !m.IsBind() {
			return nil
		}
	}
	if dest == "/proc" {
		if m.IsBind() && srcIsProcfs() {
			return nil
		}
		return fmt.Errorf("%q cannot be mounted because it is not of type proc", dest)
	}
	if len(dest) > len("/proc/") && dest[:len("/proc/")] == "/proc/" && !procMountAllowed[dest] {
		return fmt.Errorf("%q cannot be mounted because it is inside /proc", dest)
	}
	return nil
}

// isProcfs: path is on a procfs.
func isProcfs(p string) bool {
	var st unix.Statfs_t
	return unix.Statfs(p, &st) == nil && st.Type == unix.PROC_SUPER_MAGIC
}
