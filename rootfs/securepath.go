package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// CVE-2021-30465 and CVE-2024-45310 classes: paths are resolved and made inside the rootfs.
// root is an O_PATH handle on the container's rootfs. Every container path is resolved
// through it with symlinks scoped to the rootfs, so a symlink planted in the image
// (rootfs/mnt -> /tmp/host-victim) resolves to rootfs/tmp/host-victim, never the host.
type root struct {
	hostPath string // c.Rootfs, absolute and symlink-free
	dir      *os.File
}

func openRoot(hostPath string) (*root, error) {
	dir, err := os.OpenFile(hostPath, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open rootfs %s: %w", hostPath, err)
	}
	return &root{hostPath: filepath.Clean(hostPath), dir: dir}, nil
}

func (r *root) Close() error { return r.dir.Close() }

// open resolves an existing container path; the error wraps os.ErrNotExist when absent.
func (r *root) open(containerPath string) (*os.File, error) {
	f, err := r.openat2(containerPath, 0)
	if errors.Is(err, unix.ENOSYS) {
		return pathrs.OpenatInRoot(r.dir, containerPath)
	}
	return f, err
}

// openat2 resolves containerPath with the kernel keeping every step, ".." and symlinks
// included, inside the root (RESOLVE_IN_ROOT), and no /proc magic link followed. This is
// what pathrs-lite does too, which then also names the handle through a hardened procfs:
// 10-20 times the cost, paid for every mount, and nothing here needs the name.
func (r *root) openat2(containerPath string, flags uint64) (*os.File, error) {
	how := &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC | flags,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	var err error
	for try := 0; try < 128; try++ {
		var fd int
		fd, err = unix.Openat2(int(r.dir.Fd()), containerPath, how)
		if err == nil {
			return os.NewFile(uintptr(fd), containerPath), nil
		}
		if err != unix.EAGAIN && err != unix.EINTR {
			break
		}
		// EAGAIN: a rename or mount raced with the resolution; the kernel asks to retry.
	}
	return nil, &os.PathError{Op: "openat2", Path: containerPath, Err: err}
}

// mkdirAll creates containerPath (and its parents) as directories inside the root and
// returns an O_PATH handle on it.
func (r *root) mkdirAll(containerPath string) (*os.File, error) {
	// Most mount points exist in the image already.
	if f, err := r.openat2(containerPath, unix.O_DIRECTORY); err == nil {
		return f, nil
	}
	f, err := pathrs.MkdirAllHandle(r.dir, containerPath, 0o755)
	if err != nil {
		if target, ok := r.danglingTarget(containerPath); ok {
			if f, err2 := pathrs.MkdirAllHandle(r.dir, target, 0o755); err2 == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("mkdir %s in rootfs: %w", containerPath, err)
	}
	return f, nil
}

// danglingTarget: a destination reached through a symlink whose target does not exist
// yet (an image's /etc/resolv.conf -> /run/systemd/resolve/stub-resolv.conf) is created
// where the symlink points, inside the rootfs, as runc does: the path is resolved with
// each symlink read as if the rootfs were "/", so none leads out of it. ok is false
// when that changes nothing. The path found is then created through the root handle
// like any other, so a symlink swapped in meanwhile still cannot lead out either.
func (r *root) danglingTarget(containerPath string) (string, bool) {
	joined, err := securejoin.SecureJoin(r.hostPath, containerPath)
	if err != nil {
		return "", false
	}
	target, ok := relativeTo(r.hostPath, joined)
	if !ok || target == cleanDest(containerPath) {
		return "", false
	}
	return target, true
}

// fileTarget returns a handle on containerPath, creating an empty regular file there
// (and parent directories) when it does not exist. A dangling symlink in the last
// component is refused (O_EXCL) rather than followed.
func (r *root) fileTarget(containerPath string) (*os.File, error) {
	f, err := r.open(containerPath)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open %s in rootfs: %w", containerPath, err)
	}
	if target, ok := r.danglingTarget(containerPath); ok {
		containerPath = target
	}
	dir, base := path.Split(containerPath)
	if base == "" || base == "." || base == ".." {
		return nil, fmt.Errorf("create file %s in rootfs: not a file name", containerPath)
	}
	parent, err := r.mkdirAll(dir)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	fd, err := unix.Openat(int(parent.Fd()), base,
		unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create file %s in rootfs: %w", containerPath, err)
	}
	unix.Close(fd)
	pfd, err := unix.Openat(int(parent.Fd()), base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open file %s in rootfs: %w", containerPath, err)
	}
	return os.NewFile(uintptr(pfd), containerPath), nil
}

// containerPathOf tells where an open handle really is, as a path inside the root.
func (r *root) containerPathOf(f *os.File) (string, error) {
	host, err := os.Readlink(fdPath(f))
	if err != nil {
		return "", fmt.Errorf("readlink %s: %w", fdPath(f), err)
	}
	rel, ok := relativeTo(r.hostPath, host)
	if !ok {
		return "", fmt.Errorf("%s resolved outside the rootfs (%s)", f.Name(), host)
	}
	return rel, nil
}

// relativeTo turns host path p into the absolute container path under rootHost.
func relativeTo(rootHost, p string) (string, bool) {
	if p == rootHost {
		return "/", true
	}
	if rootHost == "/" {
		return p, strings.HasPrefix(p, "/")
	}
	if !strings.HasPrefix(p, rootHost+"/") {
		return "", false
	}
	return p[len(rootHost):], true
}

// checkResolved refuses a destination under /proc or /sys that a symlink moved
// elsewhere, and any destination that a symlink moved into /proc or /sys: procfs and
// sysfs mounts are what masks protect, so they must land exactly where asked.
func checkResolved(dest, resolved string) error {
	if dest == resolved {
		return nil
	}
	if underPseudoFS(dest) || underPseudoFS(resolved) {
		return fmt.Errorf("destination resolves to %s: refusing a mount under /proc or /sys through a symlink", resolved)
	}
	return nil
}

func underPseudoFS(p string) bool {
	for _, top := range []string{"/proc", "/sys"} {
		if p == top || strings.HasPrefix(p, top+"/") {
			return true
		}
	}
	return false
}

// cleanDest makes a config destination absolute and clean (runtime-spec allows
// relative destinations, meaning relative to the container's "/").
func cleanDest(dest string) string {
	return path.Clean("/" + dest)
}

// fdPath is the magic link through which the kernel reaches f's file without
// resolving its path again.
func fdPath(f *os.File) string {
	return fdNumPath(int(f.Fd()))
}

// fdNumPath is fdPath for a bare fd.
func fdNumPath(fd int) string {
	return "/proc/self/fd/" + strconv.Itoa(fd)
}
