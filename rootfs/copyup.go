package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// copyTree copies the contents of directory src into directory dst (both open fds; src
// may be O_PATH), for a "tmpcopyup" tmpfs: files, directories, symlinks, fifos and
// device nodes, with their owner, mode and times. Hard links become separate copies and
// extended attributes are not copied, as with runc.
//
// The source is the container image, so nothing in it is trusted: every step is relative
// to an open directory and never follows a symlink (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), so
// a planted link cannot make the copy read or write outside the two trees.
func copyTree(src, dst int, path string) error {
	dir, err := unix.Openat(src, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("tmpcopyup: open %s: %w", path, err)
	}
	d := os.NewFile(uintptr(dir), path)
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("tmpcopyup: read %s: %w", path, err)
	}
	for _, name := range names {
		if err := copyEntry(src, dst, name, path+"/"+name); err != nil {
			return err
		}
	}
	return nil
}

func copyEntry(src, dst int, name, path string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(src, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("tmpcopyup: stat %s: %w", path, err)
	}
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		err = copyDir(src, dst, name, path)
	case unix.S_IFREG:
		err = copyFile(src, dst, name, st.Mode&0o7777)
	case unix.S_IFLNK:
		var target string
		if target, err = readlinkat(src, name); err == nil {
			err = unix.Symlinkat(target, dst, name)
		}
	default: // fifo, socket, character or block device
		err = sys.Mknodat(dst, name, st.Mode, int(st.Rdev))
	}
	if err != nil {
		return fmt.Errorf("tmpcopyup: copy %s: %w", path, err)
	}
	return copyMetadata(dst, name, &st, path)
}

func copyDir(src, dst int, name, path string) error {
	if err := unix.Mkdirat(dst, name, 0o700); err != nil {
		return err
	}
	from, err := unix.Openat(src, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(from)
	to, err := unix.Openat(dst, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(to)
	return copyTree(from, to, path)
}

func copyFile(src, dst int, name string, perm uint32) error {
	in, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	r := os.NewFile(uintptr(in), name)
	defer r.Close()
	out, err := unix.Openat(dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm&0o777)
	if err != nil {
		return err
	}
	w := os.NewFile(uintptr(out), name)
	// io.Copy between two files uses copy_file_range, falling back to read/write.
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// copyMetadata gives the copy the original's owner, then its mode (chown clears the
// set-id bits), then its times. An owner the user namespace cannot represent (EINVAL)
// leaves the copy owned by the container's root rather than failing the container.
func copyMetadata(dst int, name string, st *unix.Stat_t, path string) error {
	err := sys.Fchownat(dst, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW)
	if err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("tmpcopyup: chown %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := unix.Fchmodat(dst, name, st.Mode&0o7777, 0); err != nil {
			return fmt.Errorf("tmpcopyup: chmod %s: %w", path, err)
		}
	}
	times := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(dst, name, times, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("tmpcopyup: set times of %s: %w", path, err)
	}
	return nil
}

// readlinkat reads a symlink of any length.
func readlinkat(dir int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dir, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
