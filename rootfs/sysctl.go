package rootfs

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// CVE-2025-52881 class: procfs is written only through a private, verified handle.
// WriteSysctls writes each linux.sysctl key (a.b.c => /proc/sys/a/b/c) after Finish.
// Writes go through one procfs handle, verified as the root of a procfs, with lookups
// that may not leave it, follow symlinks or cross mounts: a container cannot redirect
// them. The handle is a private procfs (or an unstacked clone of /proc), so the
// read-only /proc/sys that readonlyPaths usually sets does not stand in the way.
func WriteSysctls(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	proc, err := openSysctlProc()
	if err != nil {
		return fmt.Errorf("sysctl: %w", err)
	}
	defer unix.Close(proc)
	keys := make([]string, 0, len(sysctl))
	for k := range sysctl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := writeSysctl(proc, k, sysctl[k]); err != nil {
			return fmt.Errorf("sysctl %s: %w", k, err)
		}
	}
	return nil
}

// sysctlPath turns a key into its path relative to the procfs root. Keys use "." as
// separator, or "/" when a component holds a dot (net/ipv4/conf/eth0.1/rp_filter).
func sysctlPath(key string) (string, error) {
	p := key
	if !strings.Contains(key, "/") {
		p = strings.ReplaceAll(key, ".", "/")
	}
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." || c == ".." {
			return "", fmt.Errorf("invalid sysctl key %q", key)
		}
	}
	return "sys/" + p, nil
}

func writeSysctl(proc int, key, value string) error {
	rel, err := sysctlPath(key)
	if err != nil {
		return err
	}
	fd, err := unix.Openat2(proc, rel, &unix.OpenHow{
		Flags: unix.O_WRONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS |
			unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_SYMLINKS,
	})
	if err != nil {
		return fmt.Errorf("open /proc/%s: %w", rel, err)
	}
	f := os.NewFile(uintptr(fd), "/proc/"+rel)
	defer f.Close()
	if err := checkProcFile(fd); err != nil {
		return err
	}
	if _, err := f.WriteString(value); err != nil {
		return fmt.Errorf("write /proc/%s: %w", rel, err)
	}
	return nil
}

// openSysctlProc returns a verified procfs root fd: a new private procfs instance if
// the kernel lets us make one, else a non-recursive clone of /proc (no overmounts),
// else /proc itself.
func openSysctlProc() (int, error) {
	var errs []error
	for _, open := range []func() (int, error){newPrivateProc, cloneProc, openProc} {
		fd, err := open()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := checkProcRoot(fd); err != nil {
			unix.Close(fd)
			errs = append(errs, err)
			continue
		}
		return fd, nil
	}
	return -1, fmt.Errorf("no usable procfs: %w", errors.Join(errs...))
}

func newPrivateProc() (int, error) {
	ctx, err := unix.Fsopen("proc", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen proc: %w", err)
	}
	defer unix.Close(ctx)
	if err := unix.FsconfigCreate(ctx); err != nil {
		return -1, fmt.Errorf("fsconfig create proc: %w", err)
	}
	fd, err := unix.Fsmount(ctx, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsmount proc: %w", err)
	}
	return fd, nil
}

func cloneProc() (int, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, "/proc", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("open_tree /proc: %w", err)
	}
	return fd, nil
}

func openProc() (int, error) {
	fd, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open /proc: %w", err)
	}
	return fd, nil
}

// checkProcRoot: the root inode of every procfs is PROC_ROOT_INO (1).
func checkProcRoot(fd int) error {
	if err := checkProcFile(fd); err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat procfs root: %w", err)
	}
	if st.Ino != 1 {
		return fmt.Errorf("procfs handle is not the root of a procfs (inode %d)", st.Ino)
	}
	return nil
}

func checkProcFile(fd int) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return fmt.Errorf("statfs: %w", err)
	}
	if st.Type != procSuperMagic {
		return fmt.Errorf("not on procfs (magic %#x)", st.Type)
	}
	return nil
}
