package cgroups

import (
	"io"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// fsOps is the package's whole view of the filesystem. It is a seam so that path computation, parent
// tracking, cpuset inheritance and removal can be tested on a fake tree without root.
type fsOps interface {
	// Mkdir creates one directory level; an existing one yields an error matching fs.ErrExist.
	Mkdir(path string) error
	// Rmdir removes one empty directory (cgroupfs ignores its control files).
	Rmdir(path string) error
	ReadFile(path string) ([]byte, error)
	// WriteFile writes an existing file in a single write(2): cgroupfs files are never created by hand
	// and take one value per write.
	WriteFile(path string, data []byte) error
	// SubDirs lists the names of the directories directly inside path.
	SubDirs(path string) ([]string, error)
	// FSType is statfs(2)'s f_type for path.
	FSType(path string) (int64, error)
}

// sysFS is the real filesystem; tests swap in a fake.
var sysFS fsOps = hostFS{}

type hostFS struct{}

func (hostFS) Mkdir(path string) error { return os.Mkdir(path, 0o755) }

func (hostFS) Rmdir(path string) error {
	// unix.Rmdir rather than os.Remove: os.Remove tries unlink first and may report that error instead.
	if err := unix.Rmdir(path); err != nil {
		return &os.PathError{Op: "rmdir", Path: path, Err: err}
	}
	return nil
}

// ReadFile and WriteFile use bare file descriptors, not os.File: cgroupfs files can be
// polled, so an os.File registers each with the runtime's poller and makes it
// non-blocking, four system calls more per file (fcntl twice, epoll_ctl in and out),
// which on v1 adds up to ~250 per `run`. The errors read as os's do.
func (hostFS) ReadFile(path string) ([]byte, error) {
	fd, err := openRetry(path, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 512)
	for {
		buf = slices.Grow(buf, 512)
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func (hostFS) WriteFile(path string, data []byte) error {
	fd, err := openRetry(path, unix.O_WRONLY|unix.O_NOFOLLOW)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for {
		n, err := unix.Write(fd, data)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return &os.PathError{Op: "write", Path: path, Err: err}
		case n < len(data):
			return &os.PathError{Op: "write", Path: path, Err: io.ErrShortWrite}
		}
		return nil
	}
}

// openRetry opens path close-on-exec, again after EINTR, with os.Open's error.
func openRetry(path string, flags int) (int, error) {
	for {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}

func (hostFS) SubDirs(path string) ([]string, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func (hostFS) FSType(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, &os.PathError{Op: "statfs", Path: path, Err: err}
	}
	return int64(st.Type), nil
}
