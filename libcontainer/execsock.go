package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// listenExecSock creates <dir>/exec.sock, on which init waits for `berth start`.
// The address is given through /proc/self/fd/<dirfd> so that long --root paths never
// hit the 108-byte limit of a unix socket address.
func listenExecSock(dir string) (*os.File, error) {
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open state dir: %w", err)
	}
	defer unix.Close(dfd)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("exec socket: %w", err)
	}
	addr := &unix.SockaddrUnix{Name: fmt.Sprintf("/proc/self/fd/%d/%s", dfd, execSock)}
	if err := unix.Bind(fd, addr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind %s: %w", filepath.Join(dir, execSock), err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("listen %s: %w", filepath.Join(dir, execSock), err)
	}
	return os.NewFile(uintptr(fd), execSock), nil
}

// signalStart connects to the exec socket and waits for init's byte, which it sends
// once it is past every check, then for the end of the connection: init holds it
// close-on-exec, so its end means the user process is executing (runtime-spec: start
// returns, and poststart runs, after that). Text before the end is init's failure.
func signalStart(dir string, timeout time.Duration) error {
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open state dir: %w", err)
	}
	defer unix.Close(dfd)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: fmt.Sprintf("/proc/self/fd/%d/%s", dfd, execSock)}); err != nil {
		return fmt.Errorf("connect to init: %w", err)
	}
	return awaitStart(fd, timeout)
}

// awaitStart reads, on a connection to what waits for start (init, or the exec program of
// the one-runtime path), the byte it sends once past every check, then everything until
// the end of the connection, which is the process executing; text before the end is the
// failure.
func awaitStart(fd int, timeout time.Duration) error {
	tv := unix.NsecToTimeval(timeout.Nanoseconds())
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	var b [1]byte
	n, err := unix.Read(fd, b[:])
	// With SO_RCVTIMEO set, a signal (the Go runtime's SIGURG, a SIGCHLD) interrupts the
	// read even under SA_RESTART (socket(7)); each retry restarts the timeout.
	for err == unix.EINTR {
		n, err = unix.Read(fd, b[:])
	}
	if err != nil {
		return fmt.Errorf("wait for init: %w", err)
	}
	if n != 1 {
		return errors.New("init exited before starting the process")
	}
	// The startContainer hooks have their own timeouts: no limit from here on.
	var none unix.Timeval
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &none)
	var msg []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("wait for the process to start: %w", err)
		}
		if n == 0 {
			break
		}
		msg = append(msg, buf[:n]...)
	}
	if len(msg) == 2 && msg[0] == 0xff {
		// The exec program of the one-runtime path (nsenter/dmz.go): its execve failed.
		return fmt.Errorf("exec the process: %w", unix.Errno(msg[1]))
	}
	if len(msg) == 2 && msg[0] == 0xfe {
		// ... or the write of the process's LSM label before it.
		return errLSMLabel{unix.Errno(msg[1])}
	}
	if len(msg) > 0 {
		return errors.New(string(msg))
	}
	return nil
}

// errLSMLabel: the exec program could not set the process's LSM label (Start names the
// field).
type errLSMLabel struct{ errno unix.Errno }

func (e errLSMLabel) Error() string { return "set the process's LSM label: " + e.errno.Error() }
func (e errLSMLabel) Unwrap() error { return e.errno }
