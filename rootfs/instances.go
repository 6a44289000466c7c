package rootfs

import (
	"fmt"
	"os"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// MaskInstance is the key of the masked directories' tmpfs among the instances
// (mount entries use their index in c.Mounts).
const MaskInstance = -1

// Instance is a filesystem instance the container's first process made for the runtime
// to attach (nsenter's plan mode in a user namespace): a detached mount, or the error
// the kernel gave, which is then the mount's.
type Instance struct {
	Type  string
	Mount *os.File
	Err   error
	// Make, for a late instance (InstanceSpec.Late), has the process make it now, with
	// mode= when mode is not nil; the caller closes the file.
	Make func(mode *uint32) (*os.File, error)
}

// InstanceSpec is one filesystem for the container's first process to make: fsopen of
// Type, Source and Options through fsconfig, fsmount with Attrs (MOUNT_ATTR_*).
type InstanceSpec struct {
	Key          int // index in c.Mounts, or MaskInstance
	Type, Source string
	Options      []InstanceOption
	Attrs        uint64
	// Late: a tmpfs without mode=, which takes the mode of the directory it covers
	// (mountFilesystem's coveredMode), known only once the mounts before it are made.
	Late bool
}

// InstanceOption is one fsconfig parameter (a flag when Value is empty); Optional ones
// are dropped when refused, as a default devpts's gid= is retried without it.
type InstanceOption struct {
	Key, Value string
	Optional   bool
}

// InstanceSpecs lists the filesystems of c that a runtime building the rootfs from
// outside the container's user namespace must have its first process make: every new
// filesystem but proc (made anyway, see nsenter's Plan.MountProc) and cgroupfs (which
// takes its owner from the cgroup namespace the runtime joins), plus the tmpfs of the
// masked directories and the one holding the v1 hierarchies. Made by the runtime, a
// tmpfs, devpts or mqueue would belong to the host's user namespace, its mount options
// read with the host's ids; made by the container's root they are the container's,
// exactly as init makes them. A mount whose flags fsmount cannot express is an error.
func InstanceSpecs(c *configs.Config, cgroupV2Only bool) ([]InstanceSpec, error) {
	userNS := inUserNS(c)
	newNet := hasNewNamespace(c, configs.NEWNET)
	var out []InstanceSpec
	for i, m := range c.Mounts {
		switch {
		case m.IsBind(), m.Type == "proc", m.Type == "sysfs" && sysfsNeedsBind(userNS, newNet):
			continue
		case m.Type == "cgroup":
			if !cgroupV2Only {
				out = append(out, cgroupTmpfsSpec(i))
			}
			continue
		}
		spec, err := instanceSpec(i, m)
		if err != nil {
			return nil, fmt.Errorf("mounts[%d] (%s): %w", i, m.Destination, err)
		}
		out = append(out, spec)
	}
	if len(c.MaskedPaths) > 0 {
		out = append(out, InstanceSpec{Key: MaskInstance, Type: "tmpfs", Source: "tmpfs",
			Options: []InstanceOption{{Key: "ro"}}, Attrs: maskAttrs})
	}
	return out, nil
}

const maskAttrs = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC

func cgroupTmpfsSpec(i int) InstanceSpec {
	spec, err := instanceSpec(i, cgroupTmpfs(configs.Mount{}))
	if err != nil {
		panic(err) // fixed flags, all expressible
	}
	return spec
}

// instanceSpec is mount i as mountFilesystem would make it with mount(2): the same
// source, the data's options one by one, the superblock flags as their fsconfig flags
// and the per-mount ones as MOUNT_ATTR_*; read-only left for later as mountFilesystem
// leaves it (delayedReadonly).
func instanceSpec(i int, m configs.Mount) (InstanceSpec, error) {
	spec := InstanceSpec{Key: i, Type: m.Type, Source: m.Source, Late: m.Type == "tmpfs" && !hasOption(m.Data, "mode")}
	if spec.Source == "" {
		spec.Source = m.Type
	}
	flags := m.Flags &^ (propagationFlags | unix.MS_SILENT)
	if delayedReadonly(m) {
		flags &^= unix.MS_RDONLY
	}
	// Superblock flags are fsconfig flags; read-only is both (mount(2) sets both).
	for _, f := range []struct {
		flag uintptr
		name string
	}{{unix.MS_RDONLY, "ro"}, {unix.MS_SYNCHRONOUS, "sync"}, {unix.MS_DIRSYNC, "dirsync"},
		{unix.MS_LAZYTIME, "lazytime"}, {unix.MS_MANDLOCK, "mand"}, {unix.MS_POSIXACL, "posixacl"}} {
		if flags&f.flag != 0 {
			spec.Options = append(spec.Options, InstanceOption{Key: f.name})
			if f.flag != unix.MS_RDONLY {
				flags &^= f.flag
			}
		}
	}
	attrs, rest := mountAttrs(flags)
	if rest != 0 {
		return spec, fmt.Errorf("mount flags %#x cannot be given to fsmount", rest)
	}
	spec.Attrs = attrs
	for _, opt := range strings.Split(m.Data, ",") {
		if opt == "" {
			continue
		}
		k, v, _ := strings.Cut(opt, "=")
		// In a user namespace the gid= of a default devpts (tty, 5) may be unmapped:
		// mountFilesystem retries without it.
		spec.Options = append(spec.Options, InstanceOption{Key: k, Value: v, Optional: m.Type == "devpts" && k == "gid"})
	}
	return spec, nil
}

// attachInstance attaches the instance the container's first process made for the
// mount being made, if there is one of this type: ok false means there is none and
// the caller mounts the filesystem itself.
func (mt *mounter) attachInstance(m configs.Mount, target *os.File, covered *uint32) (ok bool, err error) {
	in, found := mt.instances[mt.current]
	if !found || in.Type != m.Type {
		return false, nil
	}
	mnt := in.Mount
	if in.Make != nil {
		// The mode= mountFilesystem would give, now that the mounts before it are made.
		f, err := in.Make(covered)
		if err != nil {
			return true, fmt.Errorf("mount %s: %w", m.Type, err)
		}
		defer f.Close()
		mnt = f
	} else if in.Err != nil {
		return true, fmt.Errorf("mount %s: %w", m.Type, in.Err)
	}
	if err := sys.MoveMount(int(mnt.Fd()), int(target.Fd())); err != nil {
		return true, fmt.Errorf("attach the container's %s: %w", m.Type, err)
	}
	return true, nil
}

// outsideUserNS: the rootfs of a container with a user namespace is being built by a
// thread of the runtime, outside it (the instances came from its first process).
func (mt *mounter) outsideUserNS() bool { return mt.instances != nil && mt.userNS }
