package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"golang.org/x/sys/unix"
)

// NOTIFY_SOCKET (sd_notify, systemd's Type=notify, podman --sdnotify=container), as runc
// does it: when the runtime's environment has NOTIFY_SOCKET, create bind-mounts
// <state dir>/notify read-only at /run/notify in the container and sets NOTIFY_SOCKET for
// the process; start (and run) bind notify.sock there, wait until the container sends
// READY=1 (or its init exits), and pass it on to the host's socket with MAINPID and a
// BARRIER=1, so the service is ready when the runtime returns.

const (
	notifyDirName     = "notify"
	notifySockName    = "notify.sock"
	notifyInContainer = "/run/notify"
)

// notifyBarrierTimeout is how long the host's manager may take to answer BARRIER=1
// (sd_notify_barrier's default).
const notifyBarrierTimeout = 30 * time.Second

// setupNotify gives the container the socket's directory and its NOTIFY_SOCKET.
func (c *creation) setupNotify() error {
	if !c.opts.NotifySocket {
		return nil
	}
	dir := filepath.Join(c.dir, notifyDirName)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("NOTIFY_SOCKET: %w", err)
	}
	c.cfg.Mounts = append(c.cfg.Mounts, configs.Mount{
		Source: dir, Destination: notifyInContainer, Type: "bind",
		Flags: unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC,
	})
	c.cfg.Process.Env = withEnv(c.cfg.Process.Env, "NOTIFY_SOCKET", notifyInContainer+"/"+notifySockName)
	return nil
}

// withEnv sets key=value in env, replacing an earlier value (getenv returns the first).
func withEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if k, _, _ := strings.Cut(e, "="); k != key {
			out = append(out, e)
		}
	}
	return append(out, key+"="+value)
}

// NotifyListener is the socket the container's sd_notify messages arrive on.
type NotifyListener struct{ fd int }

// ListenNotify binds the container's notify socket, if it was created with NOTIFY_SOCKET
// (nil otherwise). Anyone in the container may send to it (mode 0777, as runc's).
func (s Store) ListenNotify(id string) (*NotifyListener, error) {
	dir := filepath.Join(s.dir(id), notifyDirName)
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("NOTIFY_SOCKET: open %s: %w", dir, err)
	}
	defer unix.Close(dfd)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("NOTIFY_SOCKET: %w", err)
	}
	// Through the directory's fd: a long --root never hits the 108-byte address limit.
	path := fmt.Sprintf("/proc/self/fd/%d/%s", dfd, notifySockName)
	unix.Unlink(path) // a socket left by an earlier start that failed
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("NOTIFY_SOCKET: bind %s: %w", filepath.Join(dir, notifySockName), err)
	}
	if err := unix.Fchmodat(dfd, notifySockName, 0o777, 0); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("NOTIFY_SOCKET: chmod: %w", err)
	}
	return &NotifyListener{fd: fd}, nil
}

func (l *NotifyListener) Close() {
	if l != nil {
		unix.Close(l.fd)
	}
}

// RelayReady passes the container's messages on to host (the runtime's NOTIFY_SOCKET)
// until one says READY=; that one goes with MAINPID=mainPid (the process the service
// manager should watch: the container's init, or a foreground `run`), then BARRIER=1
// waits for the manager to have read them. It returns nil, having sent nothing more,
// when alive reports the container gone first. MAINPID lines from the container are
// dropped: its pids mean nothing outside its pid namespace.
func (l *NotifyListener) RelayReady(host string, mainPid int, alive func() bool) error {
	buf := make([]byte, 4096)
	for {
		n, err := l.recv(buf, 100*time.Millisecond)
		if err != nil {
			return fmt.Errorf("NOTIFY_SOCKET: %w", err)
		}
		if n < 0 {
			if !alive() {
				return nil
			}
			continue
		}
		msg, ready := relayedLines(string(buf[:n]))
		if ready {
			msg += "MAINPID=" + strconv.Itoa(mainPid) + "\n"
		}
		if msg != "" {
			if err := sendNotify(host, msg, -1); err != nil {
				return err
			}
		}
		if ready {
			return notifyBarrier(host)
		}
	}
}

// recv waits up to timeout for one datagram; -1 when none came. Any fds the container
// attached are closed (MSG_CMSG_CLOEXEC meanwhile): they are not passed on.
func (l *NotifyListener) recv(buf []byte, timeout time.Duration) (int, error) {
	pfd := []unix.PollFd{{Fd: int32(l.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(pfd, int(timeout.Milliseconds()))
	if err == unix.EINTR || n == 0 {
		return -1, nil
	}
	if err != nil {
		return -1, err
	}
	got, fds, err := fdpass.Recv(l.fd, buf, 16, unix.MSG_DONTWAIT)
	fdpass.CloseAll(fds)
	if err == unix.EAGAIN || err == unix.EINTR {
		return -1, nil
	}
	if err != nil && !errors.Is(err, fdpass.ErrTooManyFDs) {
		return -1, err
	}
	return got, nil
}

// relayedLines is what of one datagram goes to the host, and whether it says READY=.
func relayedLines(msg string) (string, bool) {
	var b strings.Builder
	ready := false
	for _, line := range strings.Split(msg, "\n") {
		if line == "" || strings.HasPrefix(line, "MAINPID=") {
			continue
		}
		if strings.HasPrefix(line, "READY=") {
			ready = true
		}
		b.WriteString(line + "\n")
	}
	return b.String(), ready
}

// sendNotify sends one datagram to the host's socket (a path, or @name for an abstract
// one), with fd attached when fd >= 0.
func sendNotify(host, msg string, fd int) error {
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("NOTIFY_SOCKET: %w", err)
	}
	defer unix.Close(s)
	var fds []int
	if fd >= 0 {
		fds = []int{fd}
	}
	if err := fdpass.SendTo(s, []byte(msg), &unix.SockaddrUnix{Name: host}, 0, fds...); err != nil {
		return fmt.Errorf("NOTIFY_SOCKET: send to %s: %w", host, err)
	}
	return nil
}

// notifyBarrier is sd_notify_barrier: BARRIER=1 with the write end of a pipe, which the
// manager closes once it has processed every earlier message. A manager that does not
// know the protocol never closes it: after the timeout berth goes on, as runc does.
func notifyBarrier(host string) error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("NOTIFY_SOCKET: barrier: %w", err)
	}
	defer unix.Close(p[0])
	err := sendNotify(host, "BARRIER=1", p[1])
	unix.Close(p[1])
	if err != nil {
		return err
	}
	pfd := []unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}
	deadline := time.Now().Add(notifyBarrierTimeout)
	for {
		left := time.Until(deadline).Milliseconds()
		if left <= 0 {
			return errNotifyBarrierTimeout
		}
		n, err := unix.Poll(pfd, int(left))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("NOTIFY_SOCKET: barrier: %w", err)
		}
		if n == 0 {
			return errNotifyBarrierTimeout
		}
		return nil // hung up (or, against the protocol, wrote): either way, done
	}
}

// errNotifyBarrierTimeout: the manager did not answer BARRIER=1; the messages were sent.
var errNotifyBarrierTimeout = errors.New("NOTIFY_SOCKET: no answer to BARRIER=1 within 30s; going on")

// IsNotifyBarrierTimeout tells a warning from a failure.
func IsNotifyBarrierTimeout(err error) bool { return errors.Is(err, errNotifyBarrierTimeout) }
