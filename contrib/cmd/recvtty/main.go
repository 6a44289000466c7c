// Command recvtty receives a container's pty master over a --console-socket and
// connects it to its own stdio: the companion of `berth create --console-socket` for
// people and tests (containerd's shim and conmon do the same job in production).
//
//	recvtty [--no-stdin] [--pid-file FILE] SOCKET
//
// It listens on SOCKET, takes one connection, receives the master (SCM_RIGHTS), copies
// the terminal's output to stdout (and stdin to it unless --no-stdin), and exits when the
// terminal closes.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"golang.org/x/sys/unix"
)

func main() {
	noStdin := flag.Bool("no-stdin", false, "do not copy stdin to the terminal")
	pidFile := flag.String("pid-file", "", "write recvtty's pid here once listening")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: recvtty [--no-stdin] [--pid-file FILE] SOCKET")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *pidFile, !*noStdin); err != nil {
		fmt.Fprintf(os.Stderr, "recvtty: %v\n", err)
		os.Exit(1)
	}
}

func run(path, pidFile string, stdin bool) error {
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	os.Remove(path)
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: path}); err != nil {
		return fmt.Errorf("bind %s: %w", path, err)
	}
	defer os.Remove(path)
	if err := unix.Listen(lfd, 1); err != nil {
		return err
	}
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
	}
	cfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	unix.Close(lfd)
	master, _, err := fdpass.RecvFile(cfd, make([]byte, 4096))
	unix.Close(cfd)
	if err != nil {
		return err
	}
	if stdin {
		go io.Copy(master, os.Stdin)
	}
	io.Copy(os.Stdout, master) // ends with EIO when the terminal's last user is gone
	return nil
}
