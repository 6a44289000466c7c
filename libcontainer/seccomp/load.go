package seccomp

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Filter is a compiled profile, ready to load: a classic BPF program and the seccomp(2)
// flags to load it with. Compiling can fail and takes milliseconds; loading is one
// system call, so init compiles while it can still report to `berth create` and loads
// at the last moment.
type Filter struct {
	prog  []unix.SockFilter
	flags uint
	// Set when a rule notifies: where the listener goes, and what the agent is told.
	listenerPath string
	metadata     string
	// agent is the connection to the agent, made by the runtime (UseAgent), or nil.
	agent *os.File
}

// ListenerPath is where the listener goes: the profile's listenerPath when a rule
// uses SCMP_ACT_NOTIFY, "" otherwise (runtime-spec: the path is then ignored).
func (f *Filter) ListenerPath() string { return f.listenerPath }

// UseAgent gives Load a connection to the agent at ListenerPath, made where that path
// means what the profile's author meant: in the runtime's mount namespace. Load sends
// the state on it and closes it. Without one, Load connects itself.
func (f *Filter) UseAgent(conn *os.File) { f.agent = conn }

// Instructions is the length of the BPF program (for tests and measurements).
func (f *Filter) Instructions() int { return len(f.prog) }

// Load confines the calling thread (with SECCOMP_FILTER_FLAG_TSYNC, every thread) and
// so everything it execs. The caller must be locked to its OS thread and must not have
// changed threads since preparing the exec. pid is the confined process as the runtime
// sees it, and state the container's state: both go to the notify agent, if any.
//
// After the filter is in, berth makes at most these system calls here, and only when a
// rule notifies: sendmsg to the agent, then close of the listener and of the connection
// (both close-on-exec anyway, so a profile that refuses close changes nothing). The
// agent's socket is connected before loading: socket and connect are not subject to
// the profile.
func (f *Filter) Load(pid int, state *specs.State) error {
	if len(f.prog) == 0 {
		return fmt.Errorf("load seccomp filter: empty program")
	}
	agent := -1
	var payload []byte
	flags := f.flags
	if f.listenerPath != "" {
		var err error
		if payload, err = agentPayload(pid, f.metadata, state); err != nil {
			return err
		}
		conn := f.agent
		if f.agent = nil; conn == nil {
			fd, err := ConnectAgent(f.listenerPath)
			if err != nil {
				return err
			}
			conn = os.NewFile(uintptr(fd), "seccomp-agent")
		}
		defer conn.Close()
		agent = int(conn.Fd())
		flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		if flags&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 {
			// The kernel allows a listener with TSYNC only in this reporting mode.
			flags |= unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
		}
	}
	prog := unix.SockFprog{Len: uint16(len(f.prog)), Filter: &f.prog[0]}
	r, err := seccompSyscall(unix.SECCOMP_SET_MODE_FILTER, flags, unsafe.Pointer(&prog))
	runtime.KeepAlive(f.prog)
	if err != nil {
		return fmt.Errorf("load seccomp filter: %w", err)
	}
	if agent < 0 {
		return nil
	}
	// The listener is close-on-exec (the kernel makes it so): the process never has it.
	listener := int(r)
	defer unix.Close(listener)
	if err := fdpass.Send(agent, payload, unix.MSG_NOSIGNAL, listener); err != nil {
		return fmt.Errorf("send seccomp listener to %s: %w", f.listenerPath, err)
	}
	return nil
}

// agentPayload is the container process state runtime-spec has the agent receive.
func agentPayload(pid int, metadata string, state *specs.State) ([]byte, error) {
	cps := specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{specs.SeccompFdName},
		Pid:      pid,
		Metadata: metadata,
	}
	if state != nil {
		cps.State = *state
	}
	b, err := json.Marshal(cps)
	if err != nil {
		return nil, fmt.Errorf("seccomp agent state: %w", err)
	}
	return b, nil
}

// ConnectAgent connects to the agent's SOCK_STREAM unix socket (runtime-spec: one
// connection per state, closed after it). The fd is close-on-exec.
func ConnectAgent(path string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("seccomp agent socket: %w", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		// runc's words (and Go's net.Dial's), which callers may match.
		return -1, fmt.Errorf("failed to connect with seccomp agent specified in the seccomp profile: dial unix %s: connect: %w", path, err)
	}
	return fd, nil
}
