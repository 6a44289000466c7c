// Package rawfile reads and writes small files through bare file descriptors instead
// of os.File. procfs and cgroupfs files can be polled, so os.Open registers each with
// the Go runtime's poller and switches it to non-blocking mode: an epoll_ctl in, an
// fcntl to read the flags and one to set them, an epoll_ctl out, four system calls more
// per file for a read that never blocks; a regular file, which the poller refuses, gets
// its flags set and restored around the attempt. Errors read as os's do (an
// *os.PathError carrying the errno), so errors.Is(err, fs.ErrNotExist) holds as it does
// for os.ReadFile.
package rawfile

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Open opens path with flags and close-on-exec, again after EINTR, with os.Open's error.
func Open(path string, flags int) (int, error) {
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

// Read returns the whole content of path, as os.ReadFile does: a regular file is sized
// first, and read in one go (and once more for its end).
func Read(path string) ([]byte, error) {
	return read(path, true)
}

// ReadKernelFile is Read for a procfs, sysfs or cgroupfs file: such files report no
// size, so there is no fstat to size the buffer, which starts at 512 bytes.
func ReadKernelFile(path string) ([]byte, error) {
	return read(path, false)
}

func read(path string, sized bool) ([]byte, error) {
	fd, err := Open(path, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	size := 512
	var st unix.Stat_t
	if sized && unix.Fstat(fd, &st) == nil && st.Size >= int64(size) && st.Size < 1<<30 {
		size = int(st.Size) + 1
	}
	buf := make([]byte, 0, size)
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

// WriteTemp is os.CreateTemp, Write and Close in one: data goes to a new file in dir (mode
// 0600) named prefix and a suffix no other file there has, whose path it returns. On
// failure no file is left. The suffix need not be unpredictable: it is for directories
// only their owner writes to (O_EXCL still refuses any name that exists).
func WriteTemp(dir, prefix string, data []byte) (string, error) {
	seed := uint64(time.Now().UnixNano())
	for try := uint64(0); ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(seed+try, 36))
		fd, err := unix.Open(name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
		if err == unix.EINTR || (err == unix.EEXIST && try < 10000) {
			continue
		}
		if err != nil {
			return "", &os.PathError{Op: "open", Path: name, Err: err}
		}
		err = WriteAll(fd, data)
		if cerr := unix.Close(fd); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			unix.Unlink(name)
			return "", &os.PathError{Op: "write", Path: name, Err: err}
		}
		return name, nil
	}
}

// WriteAll writes data whole to fd, again after EINTR and short writes.
func WriteAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}
