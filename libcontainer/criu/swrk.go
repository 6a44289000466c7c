package criu

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/berth-runtime/berth/internal/timerslack"
	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"github.com/checkpoint-restore/go-criu/v7/rpc"
	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"
)

// Binary is the criu executable (looked up in PATH, as runc does).
var Binary = "criu"

// Launch is how to start one `criu swrk`. go-criu's own client starts swrk with no fds
// but its socket and reads replies without their ancillary data; restore needs both
// (the restored stdio and namespaces go in as fds, the terminal's master comes back as
// one), so berth runs swrk itself and uses go-criu's RPC messages.
type Launch struct {
	// Stdio become CRIU's fds 0-2, which a restore hands to the container (nil: /dev/null).
	Stdio [3]*os.File
	// Extra are CRIU's fds 4, 5, ... (see ExtraFD).
	Extra []*os.File
	// CgroupDir, if set, is a cgroup2 directory CRIU is born in (clone3), so what it
	// restores starts there too.
	CgroupDir *os.File
}

// Swrk is a running `criu swrk` and our end of its socket.
type Swrk struct {
	cmd  *exec.Cmd
	sock int
	done bool
}

// Start runs `criu swrk 3` with the fds of l.
func Start(l Launch) (*Swrk, error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("criu socketpair: %w", err)
	}
	server := os.NewFile(uintptr(pair[1]), "criu-swrk-server")
	defer server.Close()
	cmd := exec.Command(Binary, "swrk", "3")
	// Only set ones: a nil *os.File in the interface would be a closed fd, not /dev/null.
	if l.Stdio[0] != nil {
		cmd.Stdin = l.Stdio[0]
	}
	if l.Stdio[1] != nil {
		cmd.Stdout = l.Stdio[1]
	}
	if l.Stdio[2] != nil {
		cmd.Stderr = l.Stdio[2]
	}
	cmd.ExtraFiles = append([]*os.File{server}, l.Extra...)
	if l.CgroupDir != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(l.CgroupDir.Fd())}
	}
	if err := timerslack.Do(cmd.Start); err != nil {
		unix.Close(pair[0])
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("checkpoint/restore needs CRIU (criu.org): %w", err)
		}
		return nil, fmt.Errorf("start criu swrk: %w", err)
	}
	return &Swrk{cmd: cmd, sock: pair[0]}, nil
}

// Pid is the CRIU process's pid.
func (s *Swrk) Pid() int { return s.cmd.Process.Pid }

// Notify is called for each of CRIU's notifications ("post-restore", "orphan-pts-master",
// ...) with the pid it names and any fds that came with it, which it must close or keep.
// An error makes CRIU abort.
type Notify func(script string, pid int32, fds []int) error

// Do sends req and answers CRIU's notifications with nfy until the reply to req comes.
// A reply saying CRIU failed is returned with an error built from it.
func (s *Swrk) Do(req *rpc.CriuReq, nfy Notify) (*rpc.CriuResp, error) {
	if err := s.send(req); err != nil {
		return nil, err
	}
	for {
		resp, fds, err := s.recv()
		if err != nil {
			return nil, err
		}
		if !resp.GetSuccess() {
			fdpass.CloseAll(fds)
			return resp, &Failure{Type: resp.GetType(), Errno: int(resp.GetCrErrno()), Msg: resp.GetCrErrmsg()}
		}
		if resp.GetType() != rpc.CriuReqType_NOTIFY {
			fdpass.CloseAll(fds)
			if resp.GetType() != req.GetType() {
				return resp, fmt.Errorf("criu replied %s to %s", resp.GetType(), req.GetType())
			}
			return resp, nil
		}
		n := resp.GetNotify()
		nerr := error(nil)
		if nfy != nil {
			nerr = nfy(n.GetScript(), n.GetPid(), fds)
		} else {
			fdpass.CloseAll(fds)
		}
		t := rpc.CriuReqType_NOTIFY
		if err := s.send(&rpc.CriuReq{Type: &t, NotifySuccess: proto.Bool(nerr == nil)}); err != nil {
			return nil, errors.Join(nerr, err)
		}
		if nerr != nil {
			return nil, fmt.Errorf("criu notification %q: %w", n.GetScript(), nerr)
		}
	}
}

func (s *Swrk) send(req *rpc.CriuReq) error {
	data, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := unix.Write(s.sock, data); err != nil {
		return fmt.Errorf("send to criu: %w", err)
	}
	return nil
}

func (s *Swrk) recv() (*rpc.CriuResp, []int, error) {
	buf := make([]byte, 64<<10)
	var n int
	var fds []int
	var err error
	for {
		n, fds, err = fdpass.Recv(s.sock, buf, 4, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil && !errors.Is(err, fdpass.ErrTooManyFDs) {
		return nil, nil, fmt.Errorf("read from criu: %w", err)
	}
	if n == 0 {
		fdpass.CloseAll(fds)
		return nil, nil, errors.New("criu exited without a reply")
	}
	resp := &rpc.CriuResp{}
	if err := proto.Unmarshal(buf[:n], resp); err != nil {
		fdpass.CloseAll(fds)
		return nil, nil, fmt.Errorf("read from criu: %w", err)
	}
	return resp, fds, nil
}

// Close hangs up and waits for CRIU to exit. After a pre-dump CRIU waits for more
// requests and exits with an error when we hang up: that is how a pre-dump ends, so
// only a CRIU that died on its own (a signal) is an error.
func (s *Swrk) Close() error {
	if s.done {
		return nil
	}
	s.done = true
	unix.Close(s.sock)
	err := s.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && !ee.Exited() {
		return fmt.Errorf("criu swrk: %w", err)
	}
	if err != nil && !errors.As(err, &ee) {
		return fmt.Errorf("criu swrk: %w", err)
	}
	return nil
}

// Failure is CRIU's own report that a request failed.
type Failure struct {
	Type  rpc.CriuReqType
	Errno int
	Msg   string
}

func (f *Failure) Error() string {
	// CRIU sends its last log error: "Error (criu/x.c:42): what\n".
	msg := strings.TrimLeft(f.Msg, blanks)
	if cut, ok := cutErrorTag(msg); ok {
		msg = cut
	}
	if msg := strings.TrimSpace(msg); msg != "" {
		return msg
	}
	if f.Errno != 0 {
		return fmt.Sprintf("%s failed (CRIU error %d)", f.Type, f.Errno)
	}
	return fmt.Sprintf("%s failed", f.Type)
}
