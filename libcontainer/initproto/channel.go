package initproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"golang.org/x/sys/unix"
)

// The socketpair is SOCK_SEQPACKET: every message is one packet, JSON, and the fds a
// message needs travel in the same sendmsg (SCM_RIGHTS). A packet is received whole
// or not at all, with exactly its own fds: an fd cannot drift to another message, and
// a message that expects none refuses any.

// maxFDs is the most fds one message carries (one per message today).
const maxFDs = 4

// channel is one end of the socketpair; Parent and Init give each side its steps.
type channel struct {
	sock *os.File
	rc   syscall.RawConn
	// peer names the other end in errors ("init", "the parent").
	peer string
	// pending (init, --debug) are stages recorded since the last message sent.
	pending []stagelog.Record
}

func newChannel(sock *os.File, peer string) (*channel, error) {
	rc, err := sock.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	return &channel{sock: sock, rc: rc, peer: peer}, nil
}

// send sends m as one packet with fds attached, and (init, --debug) the stages
// recorded since the last one.
func (c *channel) send(m Message, fds ...int) error {
	m.Stages, c.pending = c.pending, nil
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("protocol: encode %s: %w", m.Type, err)
	}
	c.arm()
	var serr error
	err = c.rc.Write(func(s uintptr) bool {
		serr = fdpass.Send(int(s), data, unix.MSG_NOSIGNAL, fds...)
		return serr != unix.EAGAIN
	})
	switch err = errors.Join(err, serr); {
	case err == nil:
		return nil
	case errors.Is(err, unix.EMSGSIZE):
		return fmt.Errorf("protocol: the %s message is %d bytes, more than one packet to %s can carry (%d, see SO_SNDBUF): %w",
			m.Type, len(data), c.peer, maxPacket(int(c.sock.Fd())), err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%s did not take %s within %s (is its cgroup frozen?): %w", c.peer, m.Type, Timeout(), err)
	}
	if perr := c.peerError(); perr != nil {
		return perr
	}
	return fmt.Errorf("send %s to %s: %w", m.Type, c.peer, err)
}

// peerError is the error the peer reported before it hung up, if that is what waits to
// be read: a send that fails because init exited must say why init exited.
func (c *channel) peerError() error {
	var data []byte
	var fds []int
	var rerr error
	c.rc.Read(func(s uintptr) bool {
		data, fds, rerr = recvPacket(int(s), unix.MSG_DONTWAIT)
		return true
	})
	fdpass.CloseAll(fds)
	var m Message
	if rerr != nil || json.Unmarshal(data, &m) != nil || m.Type != MsgError {
		return nil
	}
	for _, r := range m.Stages {
		stagelog.Emit(r)
	}
	return errors.New(m.Error)
}

// recv reads the next packet: its message and the fds that came with it (close-on-exec).
// io.EOF: the peer closed its end.
func (c *channel) recv() (Message, []*os.File, error) {
	var m Message
	c.arm()
	var data []byte
	var fds []int
	var rerr error
	err := c.rc.Read(func(s uintptr) bool {
		data, fds, rerr = recvPacket(int(s), 0)
		return rerr != unix.EAGAIN
	})
	if err = errors.Join(err, rerr); err != nil {
		return m, nil, err
	}
	files := make([]*os.File, len(fds))
	for i, fd := range fds {
		files[i] = os.NewFile(uintptr(fd), "passed-fd")
	}
	if len(data) == 0 {
		closeFiles(files)
		return m, nil, errEOF
	}
	if err := json.Unmarshal(data, &m); err != nil {
		closeFiles(files)
		return m, nil, fmt.Errorf("protocol: decode a message from %s: %w", c.peer, err)
	}
	for _, r := range m.Stages {
		stagelog.Emit(r)
	}
	return m, files, nil
}

var errEOF = errors.New("end of file")

// recvPacket reads one whole packet: its size first (MSG_PEEK|MSG_TRUNC, no fds taken),
// then the packet and its fds into a buffer that holds it. flags are recvmsg's.
//
// When the peer hangs up with a packet of ours unread, the kernel reports ECONNRESET
// once (reading the error clears it), and may do so ahead of packets the peer sent
// before: its last word, usually the error it exited with. So each read that meets
// ECONNRESET is tried once more, and only a second one is the answer.
func recvPacket(s, flags int) ([]byte, []int, error) {
	var one [1]byte
	var n int
	err := retryReset(func() (err error) {
		n, _, _, _, err = unix.Recvmsg(s, one[:], nil, flags|unix.MSG_PEEK|unix.MSG_TRUNC)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	buf := make([]byte, n+1) // +1: a packet that grew meanwhile cannot pass for whole
	var got int
	var fds []int
	err = retryReset(func() (err error) {
		got, fds, err = fdpass.Recv(s, buf, maxFDs, flags)
		return err
	})
	if err != nil {
		fdpass.CloseAll(fds)
		return nil, nil, fmt.Errorf("protocol: %w", err)
	}
	if got > n {
		fdpass.CloseAll(fds)
		return nil, nil, errors.New("protocol: a packet changed size while read")
	}
	return buf[:got], fds, nil
}

func retryReset(read func() error) error {
	err := read()
	if errors.Is(err, unix.ECONNRESET) {
		err = read()
	}
	return err
}

// expect reads the next message, which must be t with nfds fds. An error message from
// the peer becomes that error.
func (c *channel) expect(t MsgType, nfds int) (Message, []*os.File, error) {
	m, files, err := c.recv()
	switch {
	case errors.Is(err, errEOF):
		return m, nil, fmt.Errorf("%s exited without a word (waiting for %s)", c.peer, t)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return m, nil, fmt.Errorf("%s gave no %s within %s (is its cgroup frozen?): %w", c.peer, t, Timeout(), err)
	case err != nil:
		return m, nil, fmt.Errorf("read %s from %s: %w", t, c.peer, err)
	}
	if m.Type == MsgError {
		closeFiles(files)
		return m, nil, errors.New(m.Error)
	}
	if m.Type != t {
		closeFiles(files)
		return m, nil, fmt.Errorf("protocol: got %s from %s, want %s", m.Type, c.peer, t)
	}
	if len(files) != nfds {
		closeFiles(files)
		return m, nil, fmt.Errorf("protocol: %s from %s came with %d fds, want %d", t, c.peer, len(files), nfds)
	}
	return m, files, nil
}

// arm gives the next exchange Timeout to complete. Only the parent's end is pollable
// (Socketpair makes it non-blocking); on init's end this fails and does nothing, and
// init learns of a dead parent from end of file.
func (c *channel) arm() {
	c.sock.SetDeadline(time.Now().Add(Timeout()))
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}
