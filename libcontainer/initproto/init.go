package initproto

import (
	"errors"
	"fmt"
	"os"

	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
)

// Init is init's end: one method per step of the table in the package comment. Init
// has no deadlines: a parent that dies closes its end, and every wait ends in an error.
type Init struct{ c *channel }

// NewInit speaks over init's end of Socketpair.
func NewInit(sock *os.File) (*Init, error) {
	c, err := newChannel(sock, "the parent")
	if err != nil {
		return nil, err
	}
	return &Init{c: c}, nil
}

// RecordStages makes init's stages (pid: init's, as the host sees it) go to the parent
// with the next message (--debug).
func (i *Init) RecordStages(pid int) {
	stagelog.Enable("init", pid, func(r stagelog.Record) { i.c.pending = append(i.c.pending, r) })
}

// ExpectConfig (1) waits for what to build or run.
func (i *Init) ExpectConfig() (*InitConfig, error) {
	m, _, err := i.c.expect(MsgConfig, 0)
	if err != nil {
		return nil, err
	}
	if m.Config == nil {
		return nil, errors.New("protocol: config message without config")
	}
	return m.Config, nil
}

// ExpectCgroupPlaced (2) waits until the parent put init in the container's cgroup.
func (i *Init) ExpectCgroupPlaced() error {
	_, _, err := i.c.expect(MsgCgroupPlaced, 0)
	return err
}

// RequestSeccompAgent asks the parent for the connection to the seccomp agent.
func (i *Init) RequestSeccompAgent() (*os.File, error) {
	if err := i.c.send(Message{Type: MsgSeccompAgent}); err != nil {
		return nil, err
	}
	_, files, err := i.c.expect(MsgSeccompAgentConn, 1)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp.listenerPath: %w", err)
	}
	return files[0], nil
}

// RequestMountSources asks the parent for the trees it built for the mounts idx, and
// returns them by mount index.
func (i *Init) RequestMountSources(idx []int) (map[int]*os.File, error) {
	sources := map[int]*os.File{}
	if len(idx) == 0 {
		return sources, nil
	}
	if err := i.c.send(Message{Type: MsgMountSources}); err != nil {
		return nil, err
	}
	for _, want := range idx {
		m, files, err := i.c.expect(MsgMountSource, 1)
		if err == nil && m.Mount != want {
			files[0].Close()
			err = fmt.Errorf("protocol: got the tree of mounts[%d]", m.Mount)
		}
		if err != nil {
			for _, f := range sources {
				f.Close()
			}
			return nil, fmt.Errorf("mounts[%d]: receive the runtime's mount tree: %w", want, err)
		}
		sources[want] = files[0]
	}
	return sources, nil
}

// SendMountsDone (3) tells the parent the rootfs is mounted.
func (i *Init) SendMountsDone() error { return i.c.send(Message{Type: MsgMountsDone}) }

// ExpectHooksDone (4) waits for the parent's hooks, and returns the compiled filter.
func (i *Init) ExpectHooksDone() (*seccomp.Program, error) {
	m, _, err := i.c.expect(MsgHooksDone, 0)
	return m.Seccomp, err
}

// SendReady (5) tells the parent the process is prepared.
func (i *Init) SendReady() error { return i.c.send(Message{Type: MsgReady}) }

// ExpectCommitted (6) waits until the parent saved the state.
func (i *Init) ExpectCommitted() error {
	_, _, err := i.c.expect(MsgCommitted, 0)
	return err
}

// SendCommitted (7) acknowledges.
func (i *Init) SendCommitted() error { return i.c.send(Message{Type: MsgCommitted}) }

// SendError (*) reports the failure that ends init.
func (i *Init) SendError(err error) error {
	return i.c.send(Message{Type: MsgError, Error: err.Error()})
}
