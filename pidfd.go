package main

import (
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"golang.org/x/sys/unix"
)

// --pidfd-socket (create, run, exec; runc ≥ 1.2): the caller listens on a unix socket and
// gets a pidfd of the container's init (or of the exec'd process), to signal and wait for
// it with no pid-reuse race. The socket is connected first, so an unreachable one fails
// the command before anything is made; the pidfd goes once the process exists, with
// runc's words as the message: "standard" for init, "setns" for exec.

// pidfdConn is the connected --pidfd-socket; fd < 0 when the flag is not given.
type pidfdConn struct{ fd int }

func dialPidfdSocket(path string) (pidfdConn, error) {
	if path == "" {
		return pidfdConn{fd: -1}, nil
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return pidfdConn{fd: -1}, fmt.Errorf("--pidfd-socket: %w", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return pidfdConn{fd: -1}, fmt.Errorf("--pidfd-socket: failed to dial %s: %w", path, err)
	}
	return pidfdConn{fd: fd}, nil
}

// send passes a pidfd of pid, a child of berth not yet reaped (so the pid cannot have
// been reused), and closes the connection.
func (c pidfdConn) send(pid int, kind string) error {
	if c.fd < 0 {
		return nil
	}
	defer unix.Close(c.fd)
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("--pidfd-socket: pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(pidfd)
	if err := fdpass.Send(c.fd, []byte(kind), 0, pidfd); err != nil {
		return fmt.Errorf("--pidfd-socket: send: %w", err)
	}
	return nil
}

func (c pidfdConn) close() {
	if c.fd >= 0 {
		unix.Close(c.fd)
	}
}
