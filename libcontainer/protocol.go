package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// The parent (`berth create`) and `berth init` talk over one socketpair, in JSON
// messages, one after the other:
//
//	| # | from   | type        | when / meaning                                               |
//	|---|--------|-------------|--------------------------------------------------------------|
//	| 1 | parent | config      | init started in its namespaces; here is what to build        |
//	| 2 | init   | mounts-done | rootfs mounted, not pivoted: run prestart + createRuntime    |
//	| 3 | parent | hooks-done  | those hooks succeeded                                        |
//	| 4 | init   | ready       | createContainer hooks ran, root pivoted, process prepared;   |
//	|   |        |             | init now waits on exec.sock for `berth start`                |
//	| * | init   | error       | any step failed; init exits, the parent cleans up            |
//
// For `berth exec` (mode exec) init is already in the container: it answers config with
// ready (after sending the pty master, if any) and execs the process at once.
//
// See docs/nsenter.md for the raw stages before init runs.
type msgType string

const (
	msgConfig     msgType = "config"
	msgMountsDone msgType = "mounts-done"
	msgHooksDone  msgType = "hooks-done"
	msgReady      msgType = "ready"
	msgError      msgType = "error"
)

type message struct {
	Type   msgType     `json:"type"`
	Error  string      `json:"error,omitempty"`
	Config *initConfig `json:"config,omitempty"`
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
	// Pid is init's pid in the runtime's pid namespace (for the hooks' state).
	Pid int `json:"pid"`
	// PreserveFDs extra fds after stdio are passed to the user process (--preserve-fds).
	PreserveFDs int `json:"preserve_fds,omitempty"`
	// ExtraEnv is added to the process env (LISTEN_FDS and friends).
	ExtraEnv []string `json:"extra_env,omitempty"`
}

// channel is one end of the socketpair.
type channel struct {
	enc *json.Encoder
	dec *json.Decoder
}

func newChannel(rw io.ReadWriter) *channel {
	return &channel{enc: json.NewEncoder(rw), dec: json.NewDecoder(rw)}
}

func (c *channel) send(m message) error { return c.enc.Encode(m) }

// expect reads the next message; an error message from the peer becomes an error.
func (c *channel) expect(t msgType) (message, error) {
	var m message
	if err := c.dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return m, fmt.Errorf("init exited without a word (waiting for %s)", t)
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
