package libcontainer

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// protectedSelf returns an fd of the running berth binary that nobody can write to, for
// the last nsenter stage to execute as `berth init`.
//
// init runs inside the container before the user process replaces it; were it executed
// from the host's file as is, a process in the container could open /proc/<init>/exe for
// writing and overwrite the host's runtime binary (CVE-2019-5736). The cheap way is a
// detached read-only bind mount of the binary, reached through its fd: every open
// through that fd or /proc/<pid>/exe meets the read-only mount (EROFS). Where that is not allowed (no CAP_SYS_ADMIN, kernels
// before 5.12), a sealed memfd copy does the same at the cost of copying the binary
// (~5 ms for berth's size).
func protectedSelf() (int, error) {
	fd, err := readonlySelf()
	if err == nil {
		return fd, nil
	}
	return sealedSelf()
}

// readonlySelf bind-mounts /proc/self/exe read-only onto itself in a throwaway mount
// namespace of a dedicated thread and returns an O_PATH fd of the result.
func readonlySelf() (int, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return -1, fmt.Errorf("read own path: %w", err)
	}
	var self unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &self); err != nil {
		return -1, fmt.Errorf("stat own binary: %w", err)
	}
	return readonlyBind(exe, self.Dev, self.Ino)
}

// readonlyBind returns an fd of a read-only bind mount of path that is attached
// nowhere: open_tree(OPEN_TREE_CLONE) makes a detached copy of the mount, and
// mount_setattr makes it read-only. No mount table, the host's or a private one, ever
// shows it, and it goes away with its last fd. The result must be the file (dev, ino).
func readonlyBind(path string, dev, ino uint64) (int, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("open_tree %s: %w", path, err)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, attr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("make bind of %s read-only: %w", path, err)
	}
	if err := checkReadonlyFile(fd, dev, ino); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func checkReadonlyFile(fd int, dev, ino uint64) error {
	var st unix.Stat_t
	var sfs unix.Statfs_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		return err
	}
	if st.Dev != dev || st.Ino != ino {
		return fmt.Errorf("read-only bind is not the running binary")
	}
	if sfs.Flags&unix.ST_RDONLY == 0 {
		return fmt.Errorf("bind of the binary is not read-only")
	}
	return nil
}

// sealedSelf returns an fd of a sealed, in-memory copy of the running berth binary:
// sealed against writes, shrinking and growing, it cannot be changed by anyone.
func sealedSelf() (int, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return -1, fmt.Errorf("open own binary: %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return -1, fmt.Errorf("stat own binary: %w", err)
	}
	fd, err := memfdCreate()
	if err != nil {
		return -1, err
	}
	dst := os.NewFile(uintptr(fd), "berth-memfd")
	n, err := io.Copy(dst, src) // sendfile between the two fds
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("short copy: %d of %d bytes", n, fi.Size())
	}
	if err == nil {
		_, err = unix.FcntlInt(dst.Fd(), unix.F_ADD_SEALS,
			unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	}
	if err != nil {
		dst.Close()
		return -1, fmt.Errorf("copy own binary to memfd: %w", err)
	}
	// Hand the raw fd to the caller; dst must not close it when collected.
	nfd, err := unix.FcntlInt(dst.Fd(), unix.F_DUPFD_CLOEXEC, 3)
	dst.Close()
	if err != nil {
		return -1, fmt.Errorf("dup memfd: %w", err)
	}
	return nfd, nil
}

// memfdCreate asks for an executable memfd: kernels with vm.memfd_noexec refuse to
// execute memfds created without MFD_EXEC, and older kernels reject the flag.
func memfdCreate() (int, error) {
	const flags = unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("berth", flags|unix.MFD_EXEC)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate("berth", flags)
	}
	if err != nil {
		return -1, fmt.Errorf("memfd_create: %w", err)
	}
	return fd, nil
}
