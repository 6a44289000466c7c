package rootfs

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/berth-runtime/berth/internal/rawfile"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// cgroupLayout is what the host offers for a "cgroup" mount.
type cgroupLayout struct {
	// unified is set on a pure cgroup v2 host: one cgroup2 mount, no v1 hierarchies.
	unified *cgroupHierarchy
	// hierarchies are the v1 hierarchies, plus the "unified" cgroup2 of a hybrid host.
	hierarchies []cgroupHierarchy
}

// cgroupHierarchy is one directory of the container's cgroup tmpfs.
type cgroupHierarchy struct {
	Dir     string   // name under the destination: the host mount's base name ("cpu,cpuacct")
	FSType  string   // "cgroup" or "cgroup2"
	Options string   // mount data in a cgroup namespace ("memory", "name=systemd", "")
	Source  string   // host directory of the container's own cgroup, for binds
	Aliases []string // co-mounted controllers that get a symlink to Dir ("cpu" -> "cpu,cpuacct")
}

// procCgroupLine is one line of /proc/self/cgroup.
type procCgroupLine struct {
	controllers string // "cpu,cpuacct", "name=systemd", "" for v2
	path        string
}

func parseProcCgroup(content string) ([]procCgroupLine, error) {
	var lines []procCgroupLine
	for _, l := range strings.Split(content, "\n") {
		if l == "" {
			continue
		}
		parts := strings.SplitN(l, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("malformed /proc/self/cgroup line %q", l)
		}
		lines = append(lines, procCgroupLine{controllers: parts[1], path: parts[2]})
	}
	return lines, nil
}

// planCgroups matches the host's cgroup mounts (mountinfo, outside the rootfs) with the
// container's cgroups (/proc/self/cgroup). Bind sources are only worked out when
// needBind: in a cgroup namespace the paths are relative and not used.
func planCgroups(mounts []*mountinfo.Info, cgroups []procCgroupLine, rootfs string, needBind bool) (*cgroupLayout, error) {
	var v1, v2 []*mountinfo.Info
	for _, mi := range mounts {
		if mi.Mountpoint == rootfs || strings.HasPrefix(mi.Mountpoint, rootfs+"/") {
			continue // our own mounts inside the container
		}
		switch mi.FSType {
		case "cgroup":
			v1 = append(v1, mi)
		case "cgroup2":
			v2 = append(v2, mi)
		}
	}
	layout := &cgroupLayout{}
	seen := map[string]bool{}
	for _, line := range cgroups {
		if line.controllers == "" {
			continue
		}
		mi := findV1Mount(v1, line.controllers)
		if mi == nil || seen[line.controllers] {
			continue // a hierarchy the host has not mounted: nothing to show
		}
		seen[line.controllers] = true
		h := cgroupHierarchy{
			Dir:     path.Base(mi.Mountpoint),
			FSType:  "cgroup",
			Options: line.controllers,
			Aliases: coMountAliases(path.Base(mi.Mountpoint)),
		}
		if needBind {
			src, err := cgroupBindSource(mi, line.path)
			if err != nil {
				return nil, err
			}
			h.Source = src
		}
		layout.hierarchies = append(layout.hierarchies, h)
	}
	if len(v2) > 0 {
		mi := v2[0]
		h := cgroupHierarchy{Dir: path.Base(mi.Mountpoint), FSType: "cgroup2"}
		if needBind {
			p, ok := unifiedPath(cgroups)
			if !ok {
				return nil, errors.New("no cgroup v2 entry (0::) in /proc/self/cgroup")
			}
			src, err := cgroupBindSource(mi, p)
			if err != nil {
				return nil, err
			}
			h.Source = src
		}
		if len(v1) == 0 {
			layout.unified = &h
		} else {
			layout.hierarchies = append(layout.hierarchies, h)
		}
	}
	if layout.unified == nil && len(layout.hierarchies) == 0 {
		return nil, errors.New("no cgroup filesystem mounted on the host")
	}
	sort.SliceStable(layout.hierarchies, func(i, j int) bool { return layout.hierarchies[i].Dir < layout.hierarchies[j].Dir })
	return layout, nil
}

// findV1Mount returns the v1 mount whose superblock options hold every controller of
// the /proc/self/cgroup line ("cpu,cpuacct" or "name=systemd").
func findV1Mount(v1 []*mountinfo.Info, controllers string) *mountinfo.Info {
	for _, mi := range v1 {
		opts := map[string]bool{}
		for _, o := range strings.Split(mi.VFSOptions, ",") {
			opts[o] = true
		}
		all := true
		for _, c := range strings.Split(controllers, ",") {
			if !opts[c] {
				all = false
				break
			}
		}
		if all {
			return mi
		}
	}
	return nil
}

func unifiedPath(cgroups []procCgroupLine) (string, bool) {
	for _, l := range cgroups {
		if l.controllers == "" {
			return l.path, true
		}
	}
	return "", false
}

// cgroupBindSource is the host directory showing cgroupPath in the hierarchy mounted by
// mi, whose own root may be a sub-cgroup (mountinfo's root field).
func cgroupBindSource(mi *mountinfo.Info, cgroupPath string) (string, error) {
	rel, ok := relativeTo(path.Clean(mi.Root), path.Clean(cgroupPath))
	if !ok {
		return "", fmt.Errorf("cgroup %s is not visible under the host mount %s (root %s)", cgroupPath, mi.Mountpoint, mi.Root)
	}
	return path.Join(mi.Mountpoint, rel), nil
}

// coMountAliases lists the symlinks runc-style layouts give co-mounted controllers.
func coMountAliases(dir string) []string {
	if !strings.Contains(dir, ",") {
		return nil
	}
	var aliases []string
	for _, c := range strings.Split(dir, ",") {
		if c != "" && c != dir {
			aliases = append(aliases, c)
		}
	}
	return aliases
}

// cgroupReadOnly: the container sees its cgroups read-only unless the options say rw.
func cgroupReadOnly(m configs.Mount) bool {
	return m.Flags&unix.MS_RDONLY != 0 || m.ClearedFlags&unix.MS_RDONLY == 0
}

func (mt *mounter) cgroupLayout() (*cgroupLayout, error) {
	if mt.cgroups != nil {
		return mt.cgroups, nil
	}
	infos, err := threadMounts(nil)
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	own := "/proc/self/cgroup"
	if mt.cgPid != 0 {
		own = "/proc/" + strconv.Itoa(mt.cgPid) + "/cgroup"
	}
	content, err := rawfile.ReadKernelFile(own)
	if err != nil {
		return nil, err
	}
	lines, err := parseProcCgroup(string(content))
	if err != nil {
		return nil, err
	}
	layout, err := planCgroups(infos, lines, mt.root.hostPath, !mt.cgroupNS)
	if err != nil {
		return nil, err
	}
	mt.cgroups = layout
	return layout, nil
}

// mountCgroup gives the container a view of its own cgroups at m.Destination.
func (mt *mounter) mountCgroup(m configs.Mount) error {
	layout, err := mt.cgroupLayout()
	if err != nil {
		return err
	}
	flags := m.Flags &^ (propagationFlags | unix.MS_BIND | unix.MS_REC)
	if cgroupReadOnly(m) {
		flags |= unix.MS_RDONLY
	}
	if layout.unified != nil {
		return mt.mountUnified(m, *layout.unified, flags)
	}
	// v1 or hybrid: a tmpfs holding one directory per hierarchy.
	if err := mt.mountFilesystem(cgroupTmpfs(m)); err != nil {
		return err
	}
	dir, err := mt.root.open(m.Destination)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := mt.mountCgroupDirs(m, dir, layout.hierarchies, flags); err != nil {
		return err
	}
	for _, h := range layout.hierarchies {
		for _, alias := range h.Aliases {
			if err := unix.Symlinkat(h.Dir, int(dir.Fd()), alias); err != nil && !errors.Is(err, unix.EEXIST) {
				return fmt.Errorf("symlink %s -> %s: %w", path.Join(m.Destination, alias), h.Dir, err)
			}
		}
	}
	if flags&unix.MS_RDONLY != 0 {
		if err := remountBind(dir, unix.MS_RDONLY, 0); err != nil {
			return fmt.Errorf("cgroup tmpfs: %w", err)
		}
	}
	return nil
}

// mountUnified mounts cgroup2 at the destination of a pure v2 host. Without the right
// to do so (a user namespace sharing the host's cgroup namespace) it binds the
// container's own cgroup directory instead.
func (mt *mounter) mountUnified(m configs.Mount, h cgroupHierarchy, flags uintptr) error {
	fs := configs.Mount{Source: "cgroup2", Type: "cgroup2", Destination: m.Destination, Flags: flags,
		PropagationFlags: m.PropagationFlags}
	// Host details in the container's view (class): built from outside a user namespace
	// that has no cgroup namespace of its own, the mount would succeed where init's fails
	// with EPERM (the host's cgroup namespace belongs to the host's user namespace),
	// showing the host's whole hierarchy: bind the container's own cgroup, as init then
	// does.
	if !mt.outsideUserNS() || mt.cgroupNS || h.Source == "" {
		err := mt.mountFilesystem(fs)
		if err == nil || !errors.Is(err, unix.EPERM) || h.Source == "" {
			return err
		}
	}
	bind := configs.Mount{Source: h.Source, Type: "bind", Destination: m.Destination,
		Flags: flags | unix.MS_BIND | unix.MS_REC, ClearedFlags: m.ClearedFlags,
		PropagationFlags: m.PropagationFlags}
	return mt.mountBind(bind)
}

// cgroupTmpfs is the tmpfs a v1 or hybrid host's cgroup mount holds its hierarchies in.
func cgroupTmpfs(m configs.Mount) configs.Mount {
	return configs.Mount{
		Source: "tmpfs", Type: "tmpfs", Destination: m.Destination,
		Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, Data: "mode=755",
		PropagationFlags: m.PropagationFlags,
	}
}
