package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const procSuperMagic = 0x9fa0 // PROC_SUPER_MAGIC

// mountRef names a resolved file for mount(2). After the root switch the magic links
// need the container's /proc; a container without one has nothing under /proc to
// mask, and its paths can only resolve inside the new root, so the path is used.
type mountRef struct{ viaFD bool }

func newMountRef() mountRef {
	var st unix.Statfs_t
	return mountRef{viaFD: unix.Statfs("/proc/self/fd", &st) == nil && st.Type == procSuperMagic}
}

func (m mountRef) of(f *os.File, containerPath string) string {
	if m.viaFD {
		return fdPath(f)
	}
	return containerPath
}

// openOptional opens a masked/readonly path, reporting absence (nil, nil): runtimes
// skip entries the kernel or image does not have.
func openOptional(r *root, p string) (*os.File, error) {
	f, err := r.open(p)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
		return nil, nil
	}
	return f, err
}

// maskPaths hides each path: a directory under an empty read-only tmpfs, anything
// else under the null device. A path listed twice is masked once. As runc does (1.3+
// backports), the directories share one tmpfs: the first gets a new one, the others a
// bind of it (which keeps its read-only flag), so a profile masking many directories
// (one per CPU, say) does not make a superblock for each.
//
// mask, when set, is the tmpfs the container's first process made for the first
// directory (see InstanceSpecs): attached there instead of mounting one.
func maskPaths(r *root, paths []string, mask *Instance) error {
	if len(paths) == 0 {
		return nil
	}
	ref := newMountRef()
	var devNull, emptyDir *os.File
	defer func() {
		for _, f := range []*os.File{devNull, emptyDir} {
			if f != nil {
				f.Close()
			}
		}
	}()
	done := map[string]bool{}
	for i, p := range paths {
		p = cleanDest(p)
		if done[p] {
			continue
		}
		done[p] = true
		f, err := openOptional(r, p)
		if err != nil {
			return fmt.Errorf("maskedPaths[%d] (%s): %w", i, p, err)
		}
		if f == nil {
			continue
		}
		err = func() error {
			defer f.Close()
			dir, err := isDirectory(f)
			if err != nil {
				return err
			}
			if dir && emptyDir != nil {
				return sys.Mount(ref.of(emptyDir, "/"), ref.of(f, p), "", unix.MS_BIND, "")
			}
			if dir {
				var err error
				switch {
				case mask != nil && mask.Err != nil:
					err = fmt.Errorf("mount tmpfs: %w", mask.Err)
				case mask != nil:
					err = sys.MoveMount(int(mask.Mount.Fd()), int(f.Fd()))
				default:
					err = sys.Mount("tmpfs", ref.of(f, p), "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
				}
				if err != nil {
					return err
				}
				// The new tmpfs's root, for the next directories. Without /proc (no magic
				// links) mount(2) takes paths, so each directory gets a tmpfs of its own.
				if ref.viaFD {
					if emptyDir, err = r.open(p); err != nil {
						return fmt.Errorf("reopen the mask: %w", err)
					}
				}
				return nil
			}
			if devNull == nil {
				if devNull, err = openVerifiedDevNull(r); err != nil {
					return err
				}
			}
			return sys.Mount(ref.of(devNull, "/dev/null"), ref.of(f, p), "", unix.MS_BIND, "")
		}()
		if err != nil {
			return fmt.Errorf("maskedPaths[%d] (%s): %w", i, p, err)
		}
	}
	return nil
}

// CVE-2025-31133 class: a mask is bound only from a verified null device.
// openVerifiedDevNull opens the container's /dev/null and checks, on the opened file,
// that it is the character device 1:3: a symlink or bind swapped in there must not
// turn a mask into a writable view of something else.
func openVerifiedDevNull(r *root) (*os.File, error) {
	f, err := r.open("/dev/null")
	if err != nil {
		return nil, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat /dev/null: %w", err)
	}
	if err := checkDevNull(st); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkDevNull(st unix.Stat_t) error {
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		return fmt.Errorf("/dev/null is not the null device (mode %#o, dev %d:%d)",
			st.Mode&unix.S_IFMT, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	return nil
}

// readonlyPaths binds each path onto itself (recursively, keeping masks below it) and
// remounts that bind read-only.
func readonlyPaths(r *root, paths []string) error {
	ref := newMountRef()
	for i, p := range paths {
		p = cleanDest(p)
		if err := readonlyPath(r, ref, p); err != nil {
			return fmt.Errorf("readonlyPaths[%d] (%s): %w", i, p, err)
		}
	}
	return nil
}

func readonlyPath(r *root, ref mountRef, p string) error {
	f, err := openOptional(r, p)
	if err != nil || f == nil {
		return err
	}
	defer f.Close()
	if err := sys.Mount(ref.of(f, p), ref.of(f, p), "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind onto itself: %w", err)
	}
	mnt, err := r.open(p)
	if err != nil {
		return fmt.Errorf("reopen: %w", err)
	}
	defer mnt.Close()
	return remountReadonly(mnt, ref.of(mnt, p))
}

// remountRootReadonly makes the container's "/" read-only (root.readonly).
func remountRootReadonly(r *root) error {
	if err := remountReadonly(r.dir, "/"); err != nil {
		return fmt.Errorf("root.readonly: %w", err)
	}
	return nil
}

// remountReadonly sets MS_RDONLY on the mount f is the root of, keeping its locked
// flags; target is how mount(2) reaches it.
func remountReadonly(f *os.File, target string) error {
	cur, err := mountFlagsOf(f)
	if err != nil {
		return err
	}
	flags, needed := bindRemountFlags(cur, unix.MS_RDONLY, 0)
	if !needed {
		return nil
	}
	if err := sys.Mount("", target, "", flags, ""); err != nil {
		return fmt.Errorf("remount read-only: %w", err)
	}
	return nil
}
