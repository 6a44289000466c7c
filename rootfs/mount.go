package rootfs

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"golang.org/x/sys/unix"
)

// mounter applies config.json mounts inside one rootfs.
type mounter struct {
	root *root
	// userNS: the init runs in a user namespace, so mknod is refused, sysfs needs a
	// network namespace of its own, and inherited mount flags are locked.
	userNS bool
	// newNetNS: the container has a network namespace it created (sysfs may be mounted).
	newNetNS bool
	// cgroupNS: the container has its own cgroup namespace (cgroupfs may be mounted).
	cgroupNS bool
	// cgroups describes the host's cgroup hierarchies; read on first cgroup mount.
	cgroups *cgroupLayout
	// sources: detached trees by mount index (see PrepareOpts).
	sources map[int]*os.File
	// current is the index of the mount being made.
	current int
	// proc, cgPid, instances: see PrepareOpts.
	proc      *os.File
	cgPid     int
	instances map[int]Instance
}

// mountEntry mounts c.Mounts[i] and names the entry in any error.
func (mt *mounter) mountEntry(i int, m configs.Mount) error {
	mt.current = i
	sp := stagelog.Begin("mount "+m.Type, m.Destination)
	if err := sp.End(mt.mount(m)); err != nil {
		return fmt.Errorf("mounts[%d] (%s): %w", i, m.Destination, err)
	}
	return nil
}

func (mt *mounter) mount(m configs.Mount) error {
	m.Destination = cleanDest(m.Destination)
	if m.Destination == "/" {
		return errors.New("cannot mount over the container's root")
	}
	if err := checkProcMount(m, func() bool { return isProcfs(m.Source) }); err != nil {
		return err
	}
	switch {
	case m.IsBind():
		return mt.mountBind(m)
	case m.Type == "cgroup":
		return mt.mountCgroup(m)
	case m.Type == "sysfs" && sysfsNeedsBind(mt.userNS, mt.newNetNS):
		return mt.mountBind(sysfsAsBind(m))
	default:
		return mt.mountFilesystem(m)
	}
}

// sysfsNeedsBind: sysfs can be mounted in a user namespace only by the owner of the
// network namespace, so a userns container sharing the host's netns binds /sys instead.
func sysfsNeedsBind(userNS, newNetNS bool) bool { return userNS && !newNetNS }

// sysfsAsBind turns a sysfs entry into the recursive bind of the host's /sys that
// replaces it, keeping its flags (ro, nosuid...) for the remount pass.
func sysfsAsBind(m configs.Mount) configs.Mount {
	m.Source = "/sys"
	m.Type = "bind"
	m.Flags |= unix.MS_BIND | unix.MS_REC
	m.Data = ""
	return m
}

// mountFilesystem mounts a new instance of m.Type (tmpfs, proc, devpts, mqueue...).
func (mt *mounter) mountFilesystem(m configs.Mount) error {
	covered := mt.coveredMode(m)
	target, err := mt.root.mkdirAll(m.Destination)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := mt.checkTarget(m.Destination, target); err != nil {
		return err
	}
	source := m.Source
	if source == "" {
		source = m.Type
	}
	flags := m.Flags &^ propagationFlags
	if delayedReadonly(m) {
		// Writable while it is filled (/dev's nodes and mounts, tmpcopyup); Readonly
		// makes it read-only once the container is built, as runc does.
		flags &^= unix.MS_RDONLY
	}
	if mt.instances != nil {
		// Made by the container's first process (a user namespace's, see InstanceSpecs).
		if ok, err := mt.attachInstance(m, target, covered); ok {
			if err != nil && m.Type == "sysfs" && errors.Is(err, unix.EPERM) {
				return mt.mountBind(sysfsAsBind(m))
			}
			if err != nil {
				return err
			}
			return mt.filled(m, target)
		}
	}
	if covered != nil {
		m.Data = withTmpfsMode(m.Data, *covered)
	}
	if m.Type == "proc" && mt.proc != nil {
		// The instance of the container's pid namespace, made by nsenter's last stage.
		err = sys.MoveMount(int(mt.proc.Fd()), int(target.Fd()))
		if err != nil {
			return fmt.Errorf("attach the container's proc: %w", err)
		}
		return mt.afterMount(m, target)
	}
	err = sys.Mount(source, fdPath(target), m.Type, flags, m.Data)
	if err != nil && m.Type == "devpts" && errors.Is(err, unix.EINVAL) {
		// In a user namespace the gid= of a default devpts (tty, 5) may be unmapped.
		if data, ok := withoutOption(m.Data, "gid"); ok {
			err = sys.Mount(source, fdPath(target), m.Type, flags, data)
		}
	}
	if err != nil && m.Type == "sysfs" && mt.userNS && errors.Is(err, unix.EPERM) {
		return mt.mountBind(sysfsAsBind(m))
	}
	if err != nil {
		return fmt.Errorf("mount %s: %w", m.Type, err)
	}
	return mt.filled(m, target)
}

// filled finishes a new filesystem mounted on target: the tmpcopyup copy, then what
// afterMount applies.
func (mt *mounter) filled(m configs.Mount, target *os.File) error {
	if m.TmpCopyUp {
		if err := mt.copyUp(m, target); err != nil {
			return err
		}
	}
	return mt.afterMount(m, target)
}

// copyUp fills a new tmpfs with what it now covers. target, opened before the mount,
// still reaches the directory underneath: the copy reads through it. (A read-only
// tmpfs becomes so later, see delayedReadonly.)
func (mt *mounter) copyUp(m configs.Mount, target *os.File) error {
	mnt, err := mt.reopenMounted(m.Destination, target)
	if err != nil {
		return err
	}
	defer mnt.Close()
	return copyTree(int(target.Fd()), int(mnt.Fd()), m.Destination)
}

// coveredMode is, for a tmpfs whose options give no mode=, the permission bits of the
// directory it is about to cover, so the mount point looks as the image made it (runc
// does the same); nil otherwise, or when there is no such directory yet (tmpfs's own
// default, 1777, then applies).
func (mt *mounter) coveredMode(m configs.Mount) *uint32 {
	if m.Type != "tmpfs" || hasOption(m.Data, "mode") {
		return nil
	}
	f, err := mt.root.openat2(m.Destination, unix.O_DIRECTORY)
	if err != nil {
		return nil
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil
	}
	mode := st.Mode & 0o7777
	return &mode
}

// withTmpfsMode adds mode= to tmpfs mount data.
func withTmpfsMode(data string, mode uint32) string {
	opt := fmt.Sprintf("mode=%04o", mode)
	if data == "" {
		return opt
	}
	return opt + "," + data
}

// hasOption tells whether comma-joined mount data has key or key=value.
func hasOption(data, key string) bool {
	_, found := withoutOption(data, key)
	return found
}

// CVE-2021-30465 class: the target is an fd resolved in the rootfs, never a re-resolved path.
// mountBind binds the host path m.Source, then remounts it for per-mount flags. A bind
// the runtime already cloned (idmapped, or a host path in a user namespace) attaches
// that tree instead.
func (mt *mounter) mountBind(m configs.Mount) error {
	var src *os.File
	detached := mt.sources[mt.current]
	if m.IsIDMapped() && detached == nil {
		return errors.New("idmapped mount: the runtime sent no mount tree for it")
	}
	if detached != nil {
		src = detached
	} else {
		var err error
		if src, err = mt.openBindSource(m.Source); err != nil {
			return fmt.Errorf("open bind source: %w", err)
		}
		defer src.Close()
	}
	isDir, err := isDirectory(src)
	if err != nil {
		return err
	}
	var target *os.File
	if isDir {
		target, err = mt.root.mkdirAll(m.Destination)
	} else {
		target, err = mt.root.fileTarget(m.Destination)
	}
	if err != nil {
		return err
	}
	defer target.Close()
	if err := mt.checkTarget(m.Destination, target); err != nil {
		return err
	}
	if detached != nil {
		if err := sys.MoveMount(int(src.Fd()), int(target.Fd())); err != nil {
			return fmt.Errorf("attach the runtime's mount of %s: %w", m.Source, err)
		}
	} else if err := sys.Mount(fdPath(src), fdPath(target), "", bindFlags(m.Flags), ""); err != nil {
		return fmt.Errorf("bind %s: %w", m.Source, err)
	}
	return mt.afterMount(m, target)
}

// openBindSource opens a bind mount's source. One inside the rootfs is resolved now,
// when the mounts before it are in place (one of them may be what makes it), and inside
// the rootfs: a symlink in the image cannot turn it into a host path. Anything else is
// a host path, as the config gives it.
func (mt *mounter) openBindSource(source string) (*os.File, error) {
	if rel, ok := relativeTo(mt.root.hostPath, source); ok && mt.root.hostPath != "/" {
		return mt.root.open(rel)
	}
	return os.OpenFile(source, unix.O_PATH|unix.O_CLOEXEC, 0)
}

// bindFlags keeps only what the first bind call may carry; the rest needs a remount.
func bindFlags(flags uintptr) uintptr { return unix.MS_BIND | flags&unix.MS_REC }

// afterMount reopens the destination (now the new mount's root) and applies what
// cannot be given in the first call: bind flags, propagation, recursive attributes.
func (mt *mounter) afterMount(m configs.Mount, before *os.File) error {
	mnt, err := mt.reopenMounted(m.Destination, before)
	if err != nil {
		return err
	}
	defer mnt.Close()
	if m.IsBind() {
		if err := applyBindFlags(mnt, m.Flags, m.ClearedFlags); err != nil {
			return err
		}
	}
	return applyPropagationAndAttrs(mnt, m)
}

func applyPropagationAndAttrs(mnt *os.File, m configs.Mount) error {
	for _, p := range m.PropagationFlags {
		if err := sys.Mount("", fdPath(mnt), "", p, ""); err != nil {
			return fmt.Errorf("set propagation %#x: %w", p, err)
		}
	}
	if m.RecAttrSet != 0 || m.RecAttrClr != 0 {
		attr := &unix.MountAttr{Attr_set: m.RecAttrSet, Attr_clr: m.RecAttrClr}
		if err := sys.MountSetattr(int(mnt.Fd()), unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr); err != nil {
			return fmt.Errorf("mount_setattr(AT_RECURSIVE, set %#x, clear %#x): %w", m.RecAttrSet, m.RecAttrClr, err)
		}
	}
	return nil
}

// reopenMounted opens dest again, now the root of the mount just made on before, and
// makes sure it is in the same place.
func (mt *mounter) reopenMounted(dest string, before *os.File) (*os.File, error) {
	mnt, err := mt.root.open(dest)
	if err != nil {
		return nil, fmt.Errorf("reopen after mount: %w", err)
	}
	if err := mt.checkSamePlace(before, mnt); err != nil {
		mnt.Close()
		return nil, err
	}
	return mnt, nil
}

// checkTarget verifies where a resolved destination really is before mounting on it.
func (mt *mounter) checkTarget(dest string, target *os.File) error {
	resolved, err := mt.root.containerPathOf(target)
	if err != nil {
		return err
	}
	return checkResolved(dest, resolved)
}

// checkSamePlace makes sure the reopened mount sits where the target was: nothing
// swapped the path between the mount and the reopen.
func (mt *mounter) checkSamePlace(before, after *os.File) error {
	a, err := mt.root.containerPathOf(before)
	if err != nil {
		return err
	}
	b, err := mt.root.containerPathOf(after)
	if err != nil {
		return err
	}
	if a != b {
		return fmt.Errorf("mount point moved from %s to %s", a, b)
	}
	return nil
}

func isDirectory(f *os.File) (bool, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return false, fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	return st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}

// withoutOption drops key=value from comma-joined mount data; ok is false when absent.
func withoutOption(data, key string) (string, bool) {
	var kept []string
	found := false
	for _, opt := range strings.Split(data, ",") {
		if opt == key || strings.HasPrefix(opt, key+"=") {
			found = true
			continue
		}
		if opt != "" {
			kept = append(kept, opt)
		}
	}
	return strings.Join(kept, ","), found
}
