package initproto

import (
	"fmt"
	"os"

	"github.com/berth-runtime/berth/libcontainer/seccomp"
)

// Parent is the host's end: `berth create` and `berth exec` talking to their init. One
// method per step of the table in the package comment; every wait has a deadline.
type Parent struct{ c *channel }

// NewParent speaks over the parent's end of Socketpair.
func NewParent(sock *os.File) (*Parent, error) {
	c, err := newChannel(sock, "init")
	if err != nil {
		return nil, err
	}
	return &Parent{c: c}, nil
}

// SendConfig (1) tells init what to build (create) or run (exec).
func (p *Parent) SendConfig(ic *InitConfig) error {
	if err := p.c.send(Message{Type: MsgConfig, Config: ic}); err != nil {
		return fmt.Errorf("send config to init: %w", err)
	}
	return nil
}

// SendCgroupPlaced (2) tells init it is in the container's cgroup.
func (p *Parent) SendCgroupPlaced() error {
	if err := p.c.send(Message{Type: MsgCgroupPlaced}); err != nil {
		return fmt.Errorf("tell init its cgroup is ready: %w", err)
	}
	return nil
}

// ExpectSeccompAgent waits for init to ask for the seccomp agent's connection.
func (p *Parent) ExpectSeccompAgent() error {
	_, _, err := p.c.expect(MsgSeccompAgent, 0)
	return err
}

// SendSeccompAgentConn answers with the connection to the agent (the caller keeps fd).
func (p *Parent) SendSeccompAgentConn(fd int) error {
	if err := p.c.send(Message{Type: MsgSeccompAgentConn}, fd); err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath: send the agent's connection to init: %w", err)
	}
	return nil
}

// ExpectMountSources waits for init to ask for the mount trees the parent built.
func (p *Parent) ExpectMountSources() error {
	_, _, err := p.c.expect(MsgMountSources, 0)
	return err
}

// SendMountSource sends the tree fd built for mounts[mount] (the caller keeps fd).
func (p *Parent) SendMountSource(mount, fd int) error {
	if err := p.c.send(Message{Type: MsgMountSource, Mount: mount}, fd); err != nil {
		return fmt.Errorf("mounts[%d]: send the mount tree to init: %w", mount, err)
	}
	return nil
}

// ExpectMountsDone (3) waits until init has mounted the rootfs.
func (p *Parent) ExpectMountsDone() error {
	_, _, err := p.c.expect(MsgMountsDone, 0)
	return err
}

// SendHooksDone (4) tells init the prestart and createRuntime hooks succeeded, with the
// process's compiled seccomp filter (nil: none).
func (p *Parent) SendHooksDone(prog *seccomp.Program) error {
	if err := p.c.send(Message{Type: MsgHooksDone, Seccomp: prog}); err != nil {
		return fmt.Errorf("tell init hooks are done: %w", err)
	}
	return nil
}

// ExpectReady (5) waits until init has prepared the process.
func (p *Parent) ExpectReady() error {
	_, _, err := p.c.expect(MsgReady, 0)
	return err
}

// SendCommitted (6) tells init the state is saved.
func (p *Parent) SendCommitted() error {
	if err := p.c.send(Message{Type: MsgCommitted}); err != nil {
		return fmt.Errorf("tell init the container is saved: %w", err)
	}
	return nil
}

// ExpectCommitted (7) waits until init dropped its parent-death signal.
func (p *Parent) ExpectCommitted() error {
	if _, _, err := p.c.expect(MsgCommitted, 0); err != nil {
		return fmt.Errorf("init did not acknowledge the saved container: %w", err)
	}
	return nil
}
