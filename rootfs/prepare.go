package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// PrepareOpts are what Prepare needs besides the config.
type PrepareOpts struct {
	// Sources holds, by index in c.Mounts, the detached mount tree the runtime built
	// for a bind (see libcontainer): every idmapped bind has one, and in a user
	// namespace the binds of host paths too. It is attached instead of the source.
	Sources map[int]*os.File
	// Proc, when set, is a detached proc instance (made in the container's pid namespace
	// by nsenter's plan mode) attached instead of mounting proc: Prepare then runs in a
	// thread of the runtime, outside that pid namespace. Its flags were set when it was
	// made (ProcAttrs).
	Proc *os.File
	// Instances, by index in c.Mounts (see InstanceSpecs), are the filesystems the
	// container's first process made, attached instead of mounting them from here; with
	// them Prepare runs outside the container's user namespace, in a thread of the
	// runtime (nsenter's plan mode).
	Instances map[int]Instance
	// CgroupPid, when not 0, is a process in the container's cgroups, whose cgroups a
	// "cgroup" mount shows (default: the caller's own, which init's are).
	CgroupPid int
}

// Prepare builds the container's filesystem under c.Rootfs without pivoting: root
// propagation, the rootfs self-bind pivot_root needs, c.Mounts in order, then devices
// and /dev links.
func Prepare(c *configs.Config) error { return PrepareWith(c, PrepareOpts{}) }

// PrepareWith is Prepare with the mount sources the runtime built.
func PrepareWith(c *configs.Config, opts PrepareOpts) error {
	if c.Rootfs == "" || !filepath.IsAbs(c.Rootfs) {
		return fmt.Errorf("rootfs %q: must be an absolute path", c.Rootfs)
	}
	rootfs := filepath.Clean(c.Rootfs)
	if err := sys.Mount("", "/", "", rootPropagation(c.RootPropagation), ""); err != nil {
		return fmt.Errorf("set propagation of / to %#x: %w", rootPropagation(c.RootPropagation), err)
	}
	if err := makeParentPrivate(rootfs); err != nil {
		return err
	}
	if err := sys.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s onto itself: %w", rootfs, err)
	}
	// Opened after the self-bind, so the handle is on the new mount.
	r, err := openRoot(rootfs)
	if err != nil {
		return err
	}
	defer r.Close()
	userNS := inUserNS(c)
	mt := &mounter{
		root:      r,
		userNS:    userNS,
		newNetNS:  hasNewNamespace(c, configs.NEWNET),
		cgroupNS:  c.HasNamespace(configs.NEWCGROUP),
		sources:   opts.Sources,
		proc:      opts.Proc,
		cgPid:     opts.CgroupPid,
		instances: opts.Instances,
	}
	for i, m := range c.Mounts {
		if err := mt.mountEntry(i, m); err != nil {
			return err
		}
	}
	return setupDev(r, c, userNS)
}

// threadMounts reads the calling thread's mount table: the runtime builds a rootfs from
// a thread with a mount namespace of its own (nsenter's plan mode), where /proc/self
// would show the main thread's. In init, the only thread, they are the same.
func threadMounts(f mountinfo.FilterFunc) ([]*mountinfo.Info, error) {
	r, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return mountinfo.GetMounts(f)
	}
	defer r.Close()
	return mountinfo.GetMountsFromReader(r, f)
}

// ProcAttrs are the MOUNT_ATTR_* flags (fsmount) of a proc mount with these mount(2)
// flags; ok is false when the mount cannot be made that way (options, other flags).
func ProcAttrs(m configs.Mount) (attrs uint64, ok bool) {
	if m.Type != "proc" || m.Data != "" || m.IsBind() || len(m.PropagationFlags) > 0 || m.RecAttrSet != 0 || m.RecAttrClr != 0 {
		return 0, false
	}
	attrs, rest := mountAttrs(m.Flags &^ unix.MS_SILENT)
	return attrs, rest == 0
}

// rootPropagation is linux.rootfsPropagation, defaulting to rslave so that no mount
// made for the container shows up on the host while host mounts still reach it.
func rootPropagation(p uintptr) uintptr {
	// Before the pivot "/" is the host's tree: shared would send the container's mounts
	// back to the host, unbindable would forbid the rootfs self-bind. Those two are
	// applied to the new root in Finish; here the tree is only cut off as a slave.
	if p == 0 || p&(unix.MS_SHARED|unix.MS_UNBINDABLE) != 0 {
		return unix.MS_SLAVE | unix.MS_REC
	}
	return p
}

// finalPropagation is what Finish applies to the container's own root: the configured
// propagation, unless private or slave already hold since Prepare.
func finalPropagation(p uintptr) uintptr {
	if p&(unix.MS_SHARED|unix.MS_UNBINDABLE) != 0 {
		return p
	}
	return 0
}

// makeParentPrivate makes the mount holding the rootfs private when it is shared:
// pivot_root refuses a new root whose parent mount is shared, and the self-bind must
// not propagate to the host.
func makeParentPrivate(rootfs string) error {
	infos, err := threadMounts(mountinfo.ParentsFilter(rootfs))
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	mp, shared := parentMount(infos)
	if mp == "" {
		return errors.New("no mount holds the rootfs " + rootfs)
	}
	if !shared {
		return nil
	}
	if err := sys.Mount("", mp, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %s private: %w", mp, err)
	}
	return nil
}

// parentMount picks, among the mounts above a path, the one the path is on: the
// deepest mount point, and of several stacked there the last (topmost) one.
func parentMount(infos []*mountinfo.Info) (mountpoint string, shared bool) {
	var best *mountinfo.Info
	for _, mi := range infos {
		if best == nil || len(mi.Mountpoint) >= len(best.Mountpoint) {
			best = mi
		}
	}
	if best == nil {
		return "", false
	}
	return best.Mountpoint, hasOptionalTag(best.Optional, "shared")
}

func hasOptionalTag(optional, tag string) bool {
	for _, f := range strings.Fields(optional) {
		if f == tag || strings.HasPrefix(f, tag+":") {
			return true
		}
	}
	return false
}

// mountAttrs splits mount(2) flags into the MOUNT_ATTR_* flags of fsmount and
// mount_setattr and the flags that have none.
func mountAttrs(flags uintptr) (attrs uint64, rest uintptr) {
	for _, f := range []struct {
		flag uintptr
		attr uint64
	}{
		{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY}, {unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
		{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV}, {unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
		{unix.MS_NOATIME, unix.MOUNT_ATTR_NOATIME}, {unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME},
		{unix.MS_RELATIME, unix.MOUNT_ATTR_RELATIME}, {unix.MS_STRICTATIME, unix.MOUNT_ATTR_STRICTATIME},
		{unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_NOSYMFOLLOW},
	} {
		if flags&f.flag != 0 {
			attrs |= f.attr
			flags &^= f.flag
		}
	}
	return attrs, flags
}
