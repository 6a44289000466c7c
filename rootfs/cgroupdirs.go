package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/berth-runtime/berth/internal/rawfile"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// mountCgroupDirs mounts each v1 hierarchy (and a hybrid host's cgroup2) in the cgroup
// tmpfs berth has just mounted at m.Destination, tmpfs being a handle on its root.
//
// CVE-2021-30465 class: the targets are made and opened relative to that handle, one
// name each, without following symlinks, instead of being resolved from the rootfs one
// by one (mkdirAll, checkTarget, reopenMounted: some 50 syscalls and half a millisecond
// per hierarchy, ten of them on a hybrid host). Nothing else can have touched the tmpfs:
// it is a new superblock, no mount shares it, and no process runs in the container yet,
// so no name in it can have been swapped for a symlink or a mount (the alias symlinks
// were always made this way). In a cgroup namespace each is the cgroupfs itself, which
// then shows the container's cgroup as its root; else a bind of the host directory of the
// container's cgroup, remounted with the mount's flags.
func (mt *mounter) mountCgroupDirs(m configs.Mount, tmpfs *os.File, hierarchies []cgroupHierarchy, flags uintptr) error {
	for _, h := range hierarchies {
		if err := mt.mountCgroupDirAt(m, h, tmpfs, flags); err != nil {
			return fmt.Errorf("%s: %w", path.Join(m.Destination, h.Dir), err)
		}
	}
	return nil
}

func (mt *mounter) mountCgroupDirAt(m configs.Mount, h cgroupHierarchy, tmpfs *os.File, flags uintptr) error {
	dirfd := int(tmpfs.Fd())
	if err := unix.Mkdirat(dirfd, h.Dir, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return err
	}
	target, err := openDirAt(tmpfs, h.Dir)
	if err != nil {
		return err
	}
	defer target.Close()
	if mt.cgroupNS {
		if err := sys.Mount(h.FSType, fdPath(target), h.FSType, flags, h.Options); err != nil {
			return fmt.Errorf("mount %s: %w", h.FSType, err)
		}
	} else {
		// A bare fd: os.OpenFile would try the poller and the fd's flags (three calls
		// more, each failing on an O_PATH fd), ten times on a hybrid host.
		src, err := rawfile.Open(h.Source, unix.O_PATH)
		if err != nil {
			return fmt.Errorf("open bind source: %w", err)
		}
		err = sys.Mount(fdNumPath(src), fdPath(target), "", unix.MS_BIND|unix.MS_REC, "")
		unix.Close(src)
		if err != nil {
			return fmt.Errorf("bind %s: %w", h.Source, err)
		}
	}
	// The name now leads to the root of the new mount.
	mnt, err := openDirAt(tmpfs, h.Dir)
	if err != nil {
		return fmt.Errorf("reopen after mount: %w", err)
	}
	defer mnt.Close()
	if !mt.cgroupNS {
		if err := applyBindFlags(mnt, flags|unix.MS_BIND|unix.MS_REC, m.ClearedFlags); err != nil {
			return err
		}
	}
	return applyPropagationAndAttrs(mnt, configs.Mount{PropagationFlags: m.PropagationFlags})
}

// openDirAt opens the directory name right under dir, refusing a symlink.
func openDirAt(dir *os.File, name string) (*os.File, error) {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "openat", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), path.Join(dir.Name(), name)), nil
}
