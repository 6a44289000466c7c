package rootfs

import (
	"fmt"
	"path"
	"strconv"

	"github.com/berth-runtime/berth/internal/rawfile"
	"github.com/moby/sys/mountinfo"
)

// Bind is one bind mount of a host directory into a container.
type Bind struct {
	Dest   string // in the container
	Source string // on the host
}

// CgroupBinds are the bind mounts a "cgroup" mount at dest is made of, without a cgroup
// namespace, for a container whose processes sit in the cgroups of pid: one per v1
// hierarchy (and the cgroup2 of a hybrid host), dest/<hierarchy>, each from the host
// directory of pid's cgroup in it. None on a pure cgroup v2 host, where the mount is
// cgroup2 itself. CRIU needs these as external mounts (see libcontainer/criu).
func CgroupBinds(dest, rootfs string, pid int) ([]Bind, error) {
	infos, err := mountinfo.GetMounts(nil)
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	content, err := rawfile.ReadKernelFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil, err
	}
	lines, err := parseProcCgroup(string(content))
	if err != nil {
		return nil, err
	}
	layout, err := planCgroups(infos, lines, rootfs, true)
	if err != nil {
		return nil, err
	}
	if layout.unified != nil {
		return nil, nil
	}
	dest = cleanDest(dest)
	binds := make([]Bind, 0, len(layout.hierarchies))
	for _, h := range layout.hierarchies {
		binds = append(binds, Bind{Dest: path.Join(dest, h.Dir), Source: h.Source})
	}
	return binds, nil
}
