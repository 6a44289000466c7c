package initproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"golang.org/x/sys/unix"
)

// Channel is one end of the socketpair.
type Channel struct {
	enc *json.Encoder
	dec *json.Decoder
	// sock is the socket itself when rw is one, for passing fds.
	sock *os.File
	// pending (init, --debug) are stages recorded since the last message sent.
	pending []stagelog.Record
}

// NewChannel speaks over rw; fds can be passed when rw is the socket (*os.File) itself.
func NewChannel(rw io.ReadWriter) *Channel {
	sock, _ := rw.(*os.File)
	return &Channel{enc: json.NewEncoder(rw), dec: json.NewDecoder(rw), sock: sock}
}

// SendFD passes fd to the peer as one byte carrying SCM_RIGHTS. The peer must be
// waiting in RecvFD, not reading JSON: read(2) would drop the fd with the byte.
// Both go through the socket's raw conn rather than its Fd, which would make the
// socket blocking and void the deadline the parent sets on it.
func (c *Channel) SendFD(fd int) error {
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

// RecvFD receives an fd sent with SendFD, close-on-exec.
func (c *Channel) RecvFD() (*os.File, error) {
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

// Send sends m, with the stages init recorded since its last message.
func (c *Channel) Send(m Message) error {
	m.Stages, c.pending = c.pending, nil
	c.arm()
	return c.enc.Encode(m)
}

// RecordStages makes init's stages (pid: init's, as the host sees it) go to the parent
// with the next message.
func (c *Channel) RecordStages(pid int) {
	stagelog.Enable("init", pid, func(r stagelog.Record) { c.pending = append(c.pending, r) })
}

// arm gives the next exchange Timeout to complete. Only the parent's end is
// pollable (the parent makes it non-blocking); on init's end this does nothing, and init
// learns of a dead parent from end of file.
func (c *Channel) arm() {
	if c.sock != nil {
		c.sock.SetDeadline(time.Now().Add(Timeout()))
	}
}

// Expect reads the next message; an error message from the peer becomes an error.
func (c *Channel) Expect(t MsgType) (Message, error) {
	var m Message
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
			return m, fmt.Errorf("init gave no %s within %s (is its cgroup frozen?): %w", t, Timeout(), err)
		}
		return m, fmt.Errorf("read %s from init: %w", t, err)
	}
	if m.Type == MsgError {
		return m, errors.New(m.Error)
	}
	if m.Type != t {
		return m, fmt.Errorf("protocol: got %q, want %q", m.Type, t)
	}
	return m, nil
}
