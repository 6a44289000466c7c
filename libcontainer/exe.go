package libcontainer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// protectedSelf returns an fd of the running berth binary that nobody can write to and
// that init, the process executed from it, cannot read: for the last nsenter stage to
// execute as `berth init`.
//
// Not writable (CVE-2019-5736 class): init runs inside the container before the user
// process replaces it; were it executed from the host's file as is, a process in the
// container could open /proc/<init>/exe for writing and overwrite the host's runtime.
//
// Not readable ("runtime init reachable from a user-namespaced container"): the kernel
// makes a program executed from a file its executor cannot read non-dumpable from the
// first instruction, and gives its memory to the nearest user namespace that is
// privileged over the file (fs/exec.c would_dump): the host's, for a container's user
// namespace that does not map the host's root. CAP_SYS_PTRACE in the container then
// reaches neither init's memory nor its /proc/<pid>/root and cwd, which are the host's
// until it pivots. The file is mode 0111 and nsenter drops the capabilities that would
// override that before the exec.
//
// The cheap way is a per-root cached copy of the binary, mode 0111, reached through a
// detached read-only bind mount (~0.2 ms), kept while the root has containers; where
// mounts are not allowed (no
// CAP_SYS_ADMIN, kernels before 5.12), a sealed memfd copy, mode 0111 too (~3 ms for
// berth's size).
func protectedSelf(cacheRoot string) (int, error) {
	// Without root there is no bind mount to make: no copy to keep either.
	if cacheRoot != "" && os.Geteuid() == 0 {
		if fd, err := cachedSelf(cacheRoot); err == nil {
			return fd, nil
		}
	}
	return sealedSelf()
}

// exeMode: executable by anyone, readable by no one (root included, once nsenter
// dropped CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH).
const exeMode = 0o111

// exeCacheDir, in the state root, holds the cached copy while containers exist.
const exeCacheDir = ".exe"

// dropIdleCaches removes the root's caches (the copy of berth, the compiled seccomp
// programs) once it holds no container: a root berth runs nothing from is empty again,
// as engines expect of the runtime's default root (podman checks for leftovers there).
// A create racing this falls back to the memfd, or makes the copy again; its seccomp
// program, compiled anyway, is just not cached.
func dropIdleCaches(root string) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !isCacheDir(e.Name()) {
			return
		}
	}
	for _, e := range ents {
		os.RemoveAll(filepath.Join(root, e.Name()))
	}
}

// isCacheDir: an entry of the state root that is berth's, not a container's (ids cannot
// start with a dot).
func isCacheDir(name string) bool { return name == exeCacheDir || name == seccompCacheDir }

// cachedSelf returns a read-only bind of <cacheRoot>/.exe/berth-<identity>, a copy of
// the running binary made on first use. The name carries the running binary's device,
// inode, size and modification time, so an upgraded berth makes (and uses) a new copy
// and removes the old ones.
func cachedSelf(cacheRoot string) (int, error) {
	var self unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &self); err != nil {
		return -1, fmt.Errorf("stat own binary: %w", err)
	}
	dir := filepath.Join(cacheRoot, exeCacheDir)
	name := fmt.Sprintf("berth-%x-%x-%x-%x.%x", self.Dev, self.Ino, self.Size, self.Mtim.Sec, self.Mtim.Nsec)
	path := filepath.Join(dir, name)
	var st unix.Stat_t
	err := unix.Lstat(path, &st)
	if errors.Is(err, unix.ENOENT) {
		if err = writeExeCopy(dir, name); err == nil {
			err = unix.Lstat(path, &st)
		}
	}
	if err != nil {
		return -1, fmt.Errorf("cached copy of berth: %w", err)
	}
	if err := checkExeCopy(&st, self.Size); err != nil {
		return -1, fmt.Errorf("cached copy of berth %s: %w", path, err)
	}
	return readonlyBind(path, st.Dev, st.Ino)
}

// checkExeCopy: a regular file of the expected size that only its owner, this
// process's user, could have written, and nobody can read.
func checkExeCopy(st *unix.Stat_t, size int64) error {
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return errors.New("not a regular file")
	case st.Mode&0o7777 != exeMode:
		return fmt.Errorf("mode %#o, want %#o", st.Mode&0o7777, exeMode)
	case int(st.Uid) != os.Geteuid():
		return fmt.Errorf("owned by uid %d", st.Uid)
	case st.Size != size:
		return fmt.Errorf("%d bytes, the running binary has %d", st.Size, size)
	}
	return nil
}

// writeExeCopy copies the running binary to dir/name, atomically (a concurrent berth
// sees the whole copy or none), and removes copies of other binaries.
func writeExeCopy(dir, name string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Chmod(exeMode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "berth-*"))
	for _, o := range old {
		if filepath.Base(o) != name {
			os.Remove(o) // a berth still starting from it holds its own mount of it
		}
	}
	return nil
}

// readonlyBind returns an fd of a read-only bind mount of path that is attached
// nowhere: open_tree(OPEN_TREE_CLONE) makes a detached copy of the mount, and
// mount_setattr makes it read-only (and executable: a state root on a noexec /run is
// fine). No mount table, the host's or a private one, ever shows it, and it goes away
// with its last fd. The result must be the file (dev, ino).
func readonlyBind(path string, dev, ino uint64) (int, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("open_tree %s: %w", path, err)
	}
	attr := &unix.MountAttr{
		Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV,
		Attr_clr: unix.MOUNT_ATTR_NOEXEC,
	}
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
// sealed against writes, shrinking and growing, it cannot be changed by anyone; mode
// 0111, init cannot read it.
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
	if err == nil {
		err = dst.Chmod(exeMode) // see protectedSelf: unreadable to init
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
