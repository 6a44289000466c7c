// Command recvpidfd receives a pidfd over a runtime's --pidfd-socket, for tests: it
// listens on SOCKET, takes one connection and one fd (SCM_RIGHTS), prints the message
// and the pid the pidfd refers to, then, with --kill, kills that process through the
// pidfd, waits for it to exit (the pidfd turns readable) and prints "exited".
//
//	recvpidfd [--kill] SOCKET
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"golang.org/x/sys/unix"
)

func main() {
	kill := flag.Bool("kill", false, "kill the process through the pidfd and wait for its exit")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: recvpidfd [--kill] SOCKET")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *kill); err != nil {
		fmt.Fprintf(os.Stderr, "recvpidfd: %v\n", err)
		os.Exit(1)
	}
}

func run(path string, kill bool) error {
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	os.Remove(path)
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: path}); err != nil {
		return err
	}
	if err := unix.Listen(lfd, 1); err != nil {
		return err
	}
	cfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	if err != nil {
		return err
	}
	f, kind, err := fdpass.RecvFile(cfd, make([]byte, 64))
	if err != nil {
		return err
	}
	defer f.Close()
	pidfd := int(f.Fd())
	pid, err := fdinfoPid(pidfd)
	if err != nil {
		return err
	}
	fmt.Printf("%s %s\n", kind, pid)
	if !kill {
		return nil
	}
	if err := unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0); err != nil {
		return fmt.Errorf("pidfd_send_signal: %w", err)
	}
	pfd := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(pfd, 10000); err != unix.EINTR {
			break
		}
	}
	if pfd[0].Revents&unix.POLLIN == 0 {
		return fmt.Errorf("process %s did not exit", pid)
	}
	fmt.Println("exited")
	return nil
}

// fdinfoPid reads the "Pid:" line the kernel shows for a pidfd (it is no pidfd without one).
func fdinfoPid(fd int) (string, error) {
	f, err := os.Open(fmt.Sprintf("/proc/self/fdinfo/%d", fd))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pid:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("fd %d is not a pidfd", fd)
}
