package libcontainer

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// reserveLocked makes the container's directory and returns with its lock held, so a
// create and a delete of one id serialise end to end: a `delete --force` waits for the
// create to finish or die, then finds either its state or its partial record, never a
// container half-made under its feet ("delete --force racing create").
//
// mkdir and flock are two steps: a delete that locks the new directory first may remove
// it (it holds no state yet), so the directory locked must still be the one at the path.
func (s Store) reserveLocked(id string) (dir string, unlock func(), err error) {
	for try := 0; try < 3; try++ {
		if dir, err = s.reserve(id); err != nil {
			return "", nil, err
		}
		fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			os.Remove(dir)
			return "", nil, fmt.Errorf("open state dir: %w", err)
		}
		if err := flockEx(fd); err != nil {
			unix.Close(fd)
			os.Remove(dir)
			return "", nil, fmt.Errorf("lock state dir: %w", err)
		}
		if sameDir(fd, dir) {
			return dir, func() { unix.Close(fd) }, nil
		}
		unix.Close(fd) // removed meanwhile; made again by another create if the path exists
	}
	return "", nil, fmt.Errorf("container %q: its state directory keeps disappearing", id)
}

// flockEx takes an exclusive flock, waiting as long as it takes.
func flockEx(fd int) error {
	for {
		err := unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			return err
		}
	}
}

// sameDir: fd is the directory now at path, and still linked.
func sameDir(fd int, path string) bool {
	var a, b unix.Stat_t
	if unix.Fstat(fd, &a) != nil || unix.Stat(path, &b) != nil {
		return false
	}
	return a.Nlink > 0 && a.Dev == b.Dev && a.Ino == b.Ino
}
