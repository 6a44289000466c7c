// Command sdnotify speaks both ends of the sd_notify protocol, for testing a runtime's
// NOTIFY_SOCKET relay without systemd.
//
//	sdnotify send MESSAGE...      (in the container) one datagram to $NOTIFY_SOCKET,
//	                              the messages joined by newlines
//	sdnotify listen SOCKET FILE   (on the host) bind SOCKET and append every datagram to
//	                              FILE, one line each ("\n" shown as "|"); a BARRIER=1
//	                              is answered by closing the fd it carries, as systemd does
//
// Built static (CGO_ENABLED=0) so it runs in a busybox rootfs.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "send":
		err = send(os.Getenv("NOTIFY_SOCKET"), strings.Join(os.Args[2:], "\n"))
	case "listen":
		if len(os.Args) != 4 {
			usage()
		}
		err = listen(os.Args[2], os.Args[3])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sdnotify: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: sdnotify send MESSAGE... | sdnotify listen SOCKET FILE")
	os.Exit(2)
}

func send(path, msg string) error {
	if path == "" {
		return fmt.Errorf("NOTIFY_SOCKET is not set")
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Sendto(fd, []byte(msg), 0, &unix.SockaddrUnix{Name: path})
}

func listen(path, out string) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	os.Remove(path)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return err
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for {
		n, rights, err := fdpass.Recv(fd, buf, 8, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil && !errors.Is(err, fdpass.ErrTooManyFDs) {
			return err
		}
		fdpass.CloseAll(rights) // BARRIER=1: closing the pipe is the answer
		fds := len(rights)
		line := strings.ReplaceAll(strings.TrimRight(string(buf[:n]), "\n"), "\n", "|")
		if fds > 0 {
			line += fmt.Sprintf(" (+%d fd)", fds)
		}
		fmt.Fprintln(f, line)
	}
}
