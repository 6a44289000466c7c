// Package fdpass sends and receives file descriptors over unix sockets (SCM_RIGHTS),
// each alongside a payload in one sendmsg, so an fd can never be separated from the
// message that explains it. It depends on golang.org/x/sys/unix and the standard
// library only: small tools (contrib/cmd/recvtty) use it without linking the runtime.
//
// Received fds are always close-on-exec (MSG_CMSG_CLOEXEC): a receiver that later
// execs never leaks them by accident.
package fdpass

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ErrTooManyFDs: the peer attached more fds than the receiver made room for. The kernel
// closed the ones that did not fit; the payload and the fds that fit are still returned.
var ErrTooManyFDs = errors.New("fdpass: more fds than expected (the rest were dropped)")

// Send sends payload with fds attached (none is allowed) in one sendmsg. flags are
// sendmsg's (unix.MSG_NOSIGNAL, ...). The error is sendmsg's errno, unwrapped, so a
// caller polling a non-blocking socket can compare it with unix.EAGAIN.
func Send(sock int, payload []byte, flags int, fds ...int) error {
	return SendTo(sock, payload, nil, flags, fds...)
}

// SendTo is Send to the address to (for an unconnected datagram socket); nil sends to
// the connected peer.
func SendTo(sock int, payload []byte, to unix.Sockaddr, flags int, fds ...int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	return unix.Sendmsg(sock, payload, oob, to, flags)
}

// Recv reads one message into buf with at most maxFDs fds. flags are added to
// MSG_CMSG_CLOEXEC (unix.MSG_DONTWAIT, ...). It returns the payload's length and the
// fds, which the caller owns. The error from recvmsg itself is its errno, unwrapped
// (unix.EAGAIN, unix.EINTR); with ErrTooManyFDs n and fds are valid too.
func Recv(sock int, buf []byte, maxFDs, flags int) (int, []int, error) {
	var oob []byte
	if maxFDs > 0 {
		oob = make([]byte, unix.CmsgSpace(4*maxFDs))
	}
	n, oobn, rflags, _, err := unix.Recvmsg(sock, buf, oob, flags|unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return 0, nil, err
	}
	fds, err := parseRights(oob[:oobn])
	if err != nil {
		CloseAll(fds)
		return 0, nil, err
	}
	// The control buffer is rounded up to a word, so one more fd than asked can fit.
	if len(fds) > maxFDs {
		CloseAll(fds[maxFDs:])
		return n, fds[:maxFDs], ErrTooManyFDs
	}
	if rflags&unix.MSG_CTRUNC != 0 {
		return n, fds, ErrTooManyFDs
	}
	return n, fds, nil
}

// RecvFile reads one message that must carry exactly one fd, returned as a file named
// by the payload (what the sender put there: a pty's path, "standard", ...). The payload
// is also returned.
func RecvFile(sock int, buf []byte) (*os.File, []byte, error) {
	n, fds, err := Recv(sock, buf, 1, 0)
	if err != nil && !errors.Is(err, ErrTooManyFDs) {
		return nil, nil, err
	}
	if err != nil || len(fds) != 1 {
		CloseAll(fds)
		return nil, buf[:n], fmt.Errorf("fdpass: expected one fd with the message, got %d (%q)", len(fds), buf[:n])
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), buf[:n], nil
}

// parseRights collects the fds of every SCM_RIGHTS message in oob.
func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("fdpass: parse control message: %w", err)
	}
	var fds []int
	for i := range msgs {
		if msgs[i].Header.Level != unix.SOL_SOCKET || msgs[i].Header.Type != unix.SCM_RIGHTS {
			continue
		}
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			return fds, fmt.Errorf("fdpass: parse SCM_RIGHTS: %w", err)
		}
		fds = append(fds, got...)
	}
	return fds, nil
}

// CloseAll closes fds, ignoring errors (for fds nobody wanted).
func CloseAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
