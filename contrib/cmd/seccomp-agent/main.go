// Command seccomp-agent is a small seccomp notify agent: the other end of a profile's
// SCMP_ACT_NOTIFY rules and listenerPath, for people and tests (a real agent would
// emulate the syscall, e.g. mknod of an allowed device).
//
//	seccomp-agent [--errno N | --continue] [--state-file FILE] [--pid-file FILE] SOCKET
//
// It listens on SOCKET. For every connection it receives the container process state
// (runtime-spec) and the seccomp listener (SCM_RIGHTS), appends the state as one JSON
// line to --state-file, and answers each notification until the confined processes are
// gone: with -N when --errno N is given, by letting the kernel run the syscall with
// --continue, and otherwise with success (0) without running it. Each notification is
// logged on stdout as "notify pid=P nr=N arg0=A".
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"unsafe"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// notif and notifResp are struct seccomp_notif and seccomp_notif_resp.
type notif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type notifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

type answer struct {
	errno int
	cont  bool
}

var logMu sync.Mutex

func main() {
	errnoFlag := flag.Int("errno", 0, "fail each notified syscall with this errno")
	cont := flag.Bool("continue", false, "let the kernel run each notified syscall")
	stateFile := flag.String("state-file", "", "append each received container process state here")
	pidFile := flag.String("pid-file", "", "write the agent's pid here once listening")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: seccomp-agent [--errno N | --continue] [--state-file FILE] [--pid-file FILE] SOCKET")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (*errnoFlag != 0 && *cont) {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *stateFile, *pidFile, answer{errno: *errnoFlag, cont: *cont}); err != nil {
		fmt.Fprintf(os.Stderr, "seccomp-agent: %v\n", err)
		os.Exit(1)
	}
}

func run(sock, stateFile, pidFile string, a answer) error {
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	os.Remove(sock)
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: sock}); err != nil {
		return fmt.Errorf("bind %s: %w", sock, err)
	}
	if err := unix.Listen(lfd, 8); err != nil {
		return fmt.Errorf("listen %s: %w", sock, err)
	}
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
	}
	for {
		cfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		listener, state, err := receive(cfd)
		unix.Close(cfd)
		if err != nil {
			fmt.Fprintf(os.Stderr, "seccomp-agent: %v\n", err)
			continue
		}
		if stateFile != "" {
			if err := appendLine(stateFile, state); err != nil {
				fmt.Fprintf(os.Stderr, "seccomp-agent: %v\n", err)
			}
		}
		go serve(listener, a)
	}
}

// receive reads one container process state and its seccompFd. berth closes the
// connection after sending, so the JSON is whatever arrives before end of file.
func receive(cfd int) (int, []byte, error) {
	buf := make([]byte, 1<<16)
	n, fds, err := fdpass.Recv(cfd, buf, 4, 0)
	if err != nil {
		fdpass.CloseAll(fds)
		return -1, nil, fmt.Errorf("receive the listener: %w", err)
	}
	data := append([]byte(nil), buf[:n]...)
	for n > 0 {
		if n, err = unix.Read(cfd, buf); err != nil {
			fdpass.CloseAll(fds)
			return -1, nil, fmt.Errorf("read state: %w", err)
		}
		data = append(data, buf[:n]...)
	}
	var st specs.ContainerProcessState
	if err := json.Unmarshal(data, &st); err != nil {
		fdpass.CloseAll(fds)
		return -1, nil, fmt.Errorf("container process state: %w", err)
	}
	if len(st.Fds) != len(fds) || len(fds) == 0 || st.Fds[0] != specs.SeccompFdName {
		fdpass.CloseAll(fds)
		return -1, nil, fmt.Errorf("got %d fds named %v, want one %q", len(fds), st.Fds, specs.SeccompFdName)
	}
	return fds[0], data, nil
}

// serve answers notifications until every process using the filter is gone (POLLHUP).
func serve(fd int, a answer) {
	defer unix.Close(fd)
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			return // POLLHUP: no process left
		}
		var n notif // must be zeroed: the kernel refuses anything else
		if err := ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&n)); err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ENOENT) {
				continue // ENOENT: the process was killed before we got it
			}
			return
		}
		logMu.Lock()
		fmt.Printf("notify pid=%d nr=%d arg0=%d\n", n.Pid, n.Nr, n.Args[0])
		logMu.Unlock()
		resp := notifResp{ID: n.ID}
		switch {
		case a.errno != 0:
			resp.Error = -int32(a.errno)
		case a.cont:
			resp.Flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
		}
		// ENOENT: the process died meanwhile; nothing to answer.
		_ = ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp))
	}
}

func ioctl(fd int, req uint, arg unsafe.Pointer) error {
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

func appendLine(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(data, '\n'))
	return err
}
