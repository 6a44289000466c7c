package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The parent (`berth create`) and `berth init` talk over one socketpair, in JSON
// messages, one after the other:
//
//	| # | from   | type        | when / meaning                                               |
//	|---|--------|-------------|--------------------------------------------------------------|
//	| 1 | parent | config      | init started in its namespaces; here is what to build        |
//	| 2 | parent | cgroup-placed | init is in the container's cgroup (create mode): it may    |
//	|   |        |             | unshare its cgroup namespace and start building              |
//	| ² | init   | seccomp-agent | a notify profile: the parent connects to listenerPath and  |
//	|   |        |             | answers with the connection (an fd)                          |
//	| ¹ | init   | mount-sources | the parent answers with one fd per MountSources entry      |
//	| 3 | init   | mounts-done | rootfs mounted, not pivoted: run prestart + createRuntime    |
//	| 4 | parent | hooks-done  | those hooks succeeded                                        |
//	| 5 | init   | ready       | createContainer hooks ran, root pivoted, process prepared    |
//	| 6 | parent | committed   | state.json saved: drop the parent-death signal (commit.go)   |
//	| 7 | init   | committed   | dropped; init now waits on exec.sock for `berth start`       |
//	| * | init   | error       | any step failed; init exits, the parent cleans up            |
//
// ¹ only for idmapped mounts and, in a user namespace, binds of host paths
// (idmapmounts.go): the parent holds the runtime's privileges to make them and sends
// detached (for idmapped mounts, mapped) clones (SCM_RIGHTS).
//
// ² only when the container's seccomp profile notifies, in both modes.
//
// For `berth exec` (mode exec) init is already in the container: it answers config with
// ready (after sending the pty master, if any) and execs the process at once.
//
// See docs/nsenter.md for the raw stages before init runs.
type msgType string

const (
	msgConfig msgType = "config"
	// msgCgroupPlaced (parent → init, create mode): init is in the container's cgroup.
	// The parent moves init only after it started, because the first cgroup migration
	// after a quiet spell waits for an RCU grace period (see cgroups.Prewarm): init's Go
	// runtime boots meanwhile instead of after it.
	msgCgroupPlaced msgType = "cgroup-placed"
	msgMountsDone   msgType = "mounts-done"
	msgHooksDone    msgType = "hooks-done"
	msgReady        msgType = "ready"
	msgError        msgType = "error"
	// msgCommitted (parent → init, then init → parent, create mode): the state is
	// saved, init may outlive the parent (see commit.go).
	msgCommitted msgType = "committed"
	// msgSeccompAgent (init → parent): the container's seccomp profile
	// notifies; send the connection to its agent. The parent connects to listenerPath
	// in its own mount namespace and answers with the socket (channel.sendFD).
	msgSeccompAgent msgType = "seccomp-agent"
)

type message struct {
	Type   msgType     `json:"type"`
	Error  string      `json:"error,omitempty"`
	Config *initConfig `json:"config,omitempty"`
	// Seccomp (hooks-done, create mode) is the compiled filter for the process.
	Seccomp *seccomp.Program `json:"seccomp,omitempty"`
	// Stages (init → parent, with --debug) are init's finished stages since its last
	// message, which the parent logs as its own.
	Stages []stagelog.Record `json:"stages,omitempty"`
}

// What init is started for.
const (
	modeCreate = "create" // build the container, wait for start, exec its process
	modeExec   = "exec"   // already in a built container: exec another process now
)

// initConfig is everything init needs besides its fds.
type initConfig struct {
	Mode   string          `json:"mode"`
	ID     string          `json:"id"`
	Bundle string          `json:"bundle"`
	Config *configs.Config `json:"config,omitempty"`
	// Process is the process to exec (modeExec).
	Process *configs.Process `json:"process,omitempty"`
	// NewCgroupNS: init unshares the container's new cgroup namespace itself, once the
	// parent placed it in the container's cgroup, which becomes the namespace's root.
	NewCgroupNS bool `json:"new_cgroupns,omitempty"`
	// Pid is init's pid in the runtime's pid namespace (for the hooks' state).
	Pid int `json:"pid"`
	// PreserveFDs extra fds after stdio are passed to the user process (--preserve-fds).
	PreserveFDs int `json:"preserve_fds,omitempty"`
	// ExtraEnv is added to the process env (LISTEN_FDS and friends).
	ExtraEnv []string `json:"extra_env,omitempty"`
	// Seccomp is the container's seccomp profile for an exec'd process (modeExec; in
	// modeCreate it is Config.Seccomp).
	Seccomp *execSeccomp `json:"seccomp,omitempty"`
	// Debug: record init's stages and send them with its messages (--debug).
	Debug bool `json:"debug,omitempty"`
	// MountSources lists the mounts (indexes in Config.Mounts) whose source the parent
	// built as a detached tree, sent after mount-sources (see idmapmounts.go).
	MountSources []int `json:"mount_sources,omitempty"`
	// ForegroundTTY: the pty master goes to berth itself, which copies the output to a
	// terminal of its own (foreground run, exec -t without --console-socket).
	ForegroundTTY bool `json:"foreground_tty,omitempty"`
}

// execSeccomp is the compiled filter, and the container state its notify agent is given.
type execSeccomp struct {
	Program *seccomp.Program `json:"program"`
	State   specs.State      `json:"state"`
}

// channel is one end of the socketpair.
type channel struct {
	enc *json.Encoder
	dec *json.Decoder
	// sock is the socket itself when rw is one, for passing fds.
	sock *os.File
	// pending (init, --debug) are stages recorded since the last message sent.
	pending []stagelog.Record
}

func newChannel(rw io.ReadWriter) *channel {
	sock, _ := rw.(*os.File)
	return &channel{enc: json.NewEncoder(rw), dec: json.NewDecoder(rw), sock: sock}
}

// sendFD passes fd to the peer as one byte carrying SCM_RIGHTS. The peer must be
// waiting in recvFD, not reading JSON: read(2) would drop the fd with the byte.
// Both go through the socket's raw conn rather than its Fd, which would make the
// socket blocking and void the deadline the parent sets on it.
func (c *channel) sendFD(fd int) error {
	if c.sock == nil {
		return errors.New("protocol: channel cannot pass fds")
	}
	rc, err := c.sock.SyscallConn()
	if err != nil {
		return err
	}
	c.arm()
	var serr error
	err = rc.Write(func(s uintptr) bool {
		serr = fdpass.Send(int(s), []byte{'F'}, 0, fd)
		return serr != unix.EAGAIN
	})
	return errors.Join(err, serr)
}

// recvFD receives an fd sent with sendFD, close-on-exec.
func (c *channel) recvFD() (*os.File, error) {
	if c.sock == nil {
		return nil, errors.New("protocol: channel cannot pass fds")
	}
	rc, err := c.sock.SyscallConn()
	if err != nil {
		return nil, err
	}
	c.arm()
	buf := make([]byte, 1)
	var n int
	var fds []int
	var rerr error
	err = rc.Read(func(s uintptr) bool {
		n, fds, rerr = fdpass.Recv(int(s), buf, 1, 0)
		return rerr != unix.EAGAIN
	})
	if err = errors.Join(err, rerr); err != nil {
		fdpass.CloseAll(fds)
		return nil, fmt.Errorf("protocol: receive fd: %w", err)
	}
	if n != 1 || buf[0] != 'F' || len(fds) != 1 {
		fdpass.CloseAll(fds)
		return nil, fmt.Errorf("protocol: expected one fd, got %d with %q", len(fds), buf[:n])
	}
	return os.NewFile(uintptr(fds[0]), "passed-fd"), nil
}

func (c *channel) send(m message) error {
	m.Stages, c.pending = c.pending, nil
	c.arm()
	return c.enc.Encode(m)
}

// recordStages makes init's stages (pid: init's, as the host sees it) go to the parent
// with the next message.
func (c *channel) recordStages(pid int) {
	stagelog.Enable("init", pid, func(r stagelog.Record) { c.pending = append(c.pending, r) })
}

// arm gives the next exchange initTimeout to complete. Only the parent's end is
// pollable (startInit makes it non-blocking); on init's end this does nothing, and init
// learns of a dead parent from end of file.
func (c *channel) arm() {
	if c.sock != nil {
		c.sock.SetDeadline(time.Now().Add(initTimeout()))
	}
}

// expect reads the next message; an error message from the peer becomes an error.
func (c *channel) expect(t msgType) (message, error) {
	var m message
	c.arm()
	err := c.dec.Decode(&m)
	for _, r := range m.Stages {
		stagelog.Emit(r)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return m, fmt.Errorf("init exited without a word (waiting for %s)", t)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return m, fmt.Errorf("init gave no %s within %s (is its cgroup frozen?): %w", t, initTimeout(), err)
		}
		return m, fmt.Errorf("read %s from init: %w", t, err)
	}
	if m.Type == msgError {
		return m, errors.New(m.Error)
	}
	if m.Type != t {
		return m, fmt.Errorf("protocol: got %q, want %q", m.Type, t)
	}
	return m, nil
}
