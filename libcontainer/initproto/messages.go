package initproto

import (
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// MsgType names a message; the table in the package comment says who sends which, when.
type MsgType string

const (
	MsgConfig MsgType = "config"
	// MsgCgroupPlaced (parent → init, create mode): init is in the container's cgroup.
	// The parent moves init only after it started, because the first cgroup migration
	// after a quiet spell waits for an RCU grace period (see cgroups.Prewarm): init's Go
	// runtime boots meanwhile instead of after it.
	MsgCgroupPlaced MsgType = "cgroup-placed"
	MsgMountsDone   MsgType = "mounts-done"
	MsgHooksDone    MsgType = "hooks-done"
	MsgReady        MsgType = "ready"
	MsgError        MsgType = "error"
	// MsgCommitted (parent → init, then init → parent, create mode): the state is
	// saved, init may outlive the parent (see libcontainer/commit.go).
	MsgCommitted MsgType = "committed"
	// MsgSeccompAgent (init → parent): the container's seccomp profile notifies; send
	// the connection to its agent. The parent connects to listenerPath in its own mount
	// namespace and answers with MsgSeccompAgentConn, carrying the socket.
	MsgSeccompAgent     MsgType = "seccomp-agent"
	MsgSeccompAgentConn MsgType = "seccomp-agent-conn"
	// MsgMountSources (init → parent): send the mount trees the parent built for the
	// mounts InitConfig.MountSources lists. The parent answers with one MsgMountSource
	// per mount, in that order, each carrying its tree and naming its mount (Mount).
	MsgMountSources MsgType = "mount-sources"
	MsgMountSource  MsgType = "mount-source"
)

// Message is one message of the conversation.
type Message struct {
	Type   MsgType     `json:"type"`
	Error  string      `json:"error,omitempty"`
	Config *InitConfig `json:"config,omitempty"`
	// Seccomp (hooks-done, create mode) is the compiled filter for the process.
	Seccomp *seccomp.Program `json:"seccomp,omitempty"`
	// Mount (mount-source) is the index in Config.Mounts of the tree the packet carries.
	Mount int `json:"mount,omitempty"`
	// Stages (init → parent, with --debug) are init's finished stages since its last
	// message, which the parent logs as its own.
	Stages []stagelog.Record `json:"stages,omitempty"`
}

// What init is started for.
const (
	ModeCreate = "create" // build the container, wait for start, exec its process
	ModeExec   = "exec"   // already in a built container: exec another process now
)

// InitConfig is everything init needs besides its fds.
type InitConfig struct {
	Mode   string          `json:"mode"`
	ID     string          `json:"id"`
	Bundle string          `json:"bundle"`
	Config *configs.Config `json:"config,omitempty"`
	// Process is the process to exec (ModeExec).
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
	// Seccomp is the container's seccomp profile for an exec'd process (ModeExec; in
	// ModeCreate it is Config.Seccomp).
	Seccomp *ExecSeccomp `json:"seccomp,omitempty"`
	// Debug: record init's stages and send them with its messages (--debug).
	Debug bool `json:"debug,omitempty"`
	// MountSources lists the mounts (indexes in Config.Mounts) whose source the parent
	// built as a detached tree, sent after mount-sources (see libcontainer/idmapmounts.go).
	MountSources []int `json:"mount_sources,omitempty"`
	// ForegroundTTY: the pty master goes to berth itself, which copies the output to a
	// terminal of its own (foreground run, exec -t without --console-socket).
	ForegroundTTY bool `json:"foreground_tty,omitempty"`
}

// ExecSeccomp is the compiled filter, and the container state its notify agent is given.
type ExecSeccomp struct {
	Program *seccomp.Program `json:"program"`
	State   specs.State      `json:"state"`
}
