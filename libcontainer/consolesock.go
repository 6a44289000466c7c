package libcontainer

import (
	"fmt"
	"os"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"github.com/berth-runtime/berth/libcontainer/pty"
	"golang.org/x/sys/unix"
)

// consoleEnd is the parent's side of the console socket: either the caller's
// --console-socket (the master goes to whoever listens there) or a socketpair whose
// other end berth reads itself to run the terminal in the foreground.
type consoleEnd struct {
	child int      // passed to init
	own   *os.File // foreground: where the master arrives
}

// openConsole connects to path, or makes a socketpair when path is "".
func openConsole(path string) (*consoleEnd, error) {
	if path == "" {
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("console socketpair: %w", err)
		}
		return &consoleEnd{child: pair[1], own: os.NewFile(uintptr(pair[0]), "console")}, nil
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("--console-socket %s: %w", path, err)
	}
	return &consoleEnd{child: fd}, nil
}

// foreground tells whether berth runs the terminal itself (no --console-socket).
func (c *consoleEnd) foreground() bool { return c != nil && c.own != nil }

// childFD is the fd for init, or -1 without a terminal.
func (c *consoleEnd) childFD() int {
	if c == nil {
		return -1
	}
	return c.child
}

func (c *consoleEnd) close() {
	if c == nil {
		return
	}
	if c.child >= 0 {
		unix.Close(c.child)
		c.child = -1
	}
	if c.own != nil {
		c.own.Close()
	}
}

// receiveMaster reads the pty master init sent (foreground only); the message names it.
func (c *consoleEnd) receiveMaster() (*os.File, error) {
	if c == nil || c.own == nil {
		return nil, nil
	}
	master, _, err := fdpass.RecvFile(int(c.own.Fd()), make([]byte, 4096))
	if err != nil {
		return nil, fmt.Errorf("receive pty master: %w", err)
	}
	return master, nil
}

// sendMaster sends a pty master the runtime opened itself (the one-runtime path) to the
// --console-socket receiver, named as init names it.
func sendMaster(sock int, master *os.File) error {
	name, err := pty.Name(int(master.Fd()))
	if err != nil {
		return fmt.Errorf("process.terminal: pty number: %w", err)
	}
	if err := fdpass.Send(sock, []byte(name), 0, int(master.Fd())); err != nil {
		return fmt.Errorf("send pty master to console socket: %w", err)
	}
	return nil
}
