package cgroups

import (
	"io"
	"os"

	"github.com/berth-runtime/berth/internal/rawfile"
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

// ReadFile and WriteFile use bare file descriptors, not os.File (internal/rawfile): on v1
// the poller's four system calls per cgroupfs file would add up to ~250 per `run`.
func (hostFS) ReadFile(path string) ([]byte, error) { return rawfile.ReadKernelFile(path) }

func (hostFS) WriteFile(path string, data []byte) error {
	fd, err := rawfile.Open(path, unix.O_WRONLY|unix.O_NOFOLLOW)
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
