package rootfs

import (
	"golang.org/x/sys/unix"
)

// kernel is the seam over the privileged syscalls this package makes, so that the
// decisions around them (flags, fallbacks, order) can be tested without root.
// Unprivileged work (open, mkdir, symlink, statfs) is done directly.
type kernel interface {
	Mount(source, target, fstype string, flags uintptr, data string) error
	Unmount(target string, flags int) error
	MountSetattr(fd int, flags uint, attr *unix.MountAttr) error
	// MoveMount attaches the detached mount tree fromFd onto the directory or file toFd.
	MoveMount(fromFd, toFd int) error
	Mknodat(dirfd int, name string, mode uint32, dev int) error
	Fchownat(dirfd int, name string, uid, gid, flags int) error
	PivotRoot(newroot, putold string) error
	Chroot(path string) error
}

// sys is the kernel every function of the package uses; tests swap it for a recorder.
var sys kernel = hostKernel{}

type hostKernel struct{}

func (hostKernel) Mount(source, target, fstype string, flags uintptr, data string) error {
	return unix.Mount(source, target, fstype, flags, data)
}

func (hostKernel) Unmount(target string, flags int) error { return unix.Unmount(target, flags) }

func (hostKernel) MountSetattr(fd int, flags uint, attr *unix.MountAttr) error {
	return unix.MountSetattr(fd, "", flags, attr)
}

func (hostKernel) MoveMount(fromFd, toFd int) error {
	return unix.MoveMount(fromFd, "", toFd, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
}

func (hostKernel) Mknodat(dirfd int, name string, mode uint32, dev int) error {
	return unix.Mknodat(dirfd, name, mode, dev)
}

func (hostKernel) Fchownat(dirfd int, name string, uid, gid, flags int) error {
	return unix.Fchownat(dirfd, name, uid, gid, flags)
}

func (hostKernel) PivotRoot(newroot, putold string) error { return unix.PivotRoot(newroot, putold) }

func (hostKernel) Chroot(path string) error { return unix.Chroot(path) }
