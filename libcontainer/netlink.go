package libcontainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// A minimal rtnetlink client: just what moving a network device needs (links and
// addresses), on golang.org/x/sys/unix alone.

// nlConn is a NETLINK_ROUTE socket; it acts in the network namespace it was made in.
type nlConn struct {
	fd  int
	seq uint32
}

func newNLConn() (*nlConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	return &nlConn{fd: fd}, nil
}

func (c *nlConn) Close() { unix.Close(c.fd) }

// nlAttr is one rtattr: type and payload.
type nlAttr struct {
	typ  uint16
	data []byte
}

func attrU32(typ uint16, v uint32) nlAttr {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return nlAttr{typ, b}
}

func attrString(typ uint16, s string) nlAttr { return nlAttr{typ, append([]byte(s), 0)} }

func nlAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// encodeAttrs lays attributes out as the kernel reads them (each padded to 4 bytes).
func encodeAttrs(attrs []nlAttr) []byte {
	var out []byte
	for _, a := range attrs {
		hdr := make([]byte, unix.SizeofRtAttr)
		binary.NativeEndian.PutUint16(hdr[0:2], uint16(unix.SizeofRtAttr+len(a.data)))
		binary.NativeEndian.PutUint16(hdr[2:4], a.typ)
		out = append(out, hdr...)
		out = append(out, a.data...)
		out = append(out, make([]byte, nlAlign(len(out))-len(out))...)
	}
	return out
}

// decodeAttrs splits a run of rtattrs.
func decodeAttrs(b []byte) []nlAttr {
	var out []nlAttr
	for len(b) >= unix.SizeofRtAttr {
		l := int(binary.NativeEndian.Uint16(b[0:2]))
		if l < unix.SizeofRtAttr || l > len(b) {
			break
		}
		out = append(out, nlAttr{binary.NativeEndian.Uint16(b[2:4]), b[unix.SizeofRtAttr:l]})
		b = b[min(nlAlign(l), len(b)):]
	}
	return out
}

// request sends one message and collects the payloads of the answers until the ack
// (or, for a dump, the end). A netlink error becomes the errno it carries.
func (c *nlConn) request(typ, flags uint16, body []byte) ([][]byte, error) {
	c.seq++
	msg := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(body))
	binary.NativeEndian.PutUint32(msg[0:4], uint32(unix.SizeofNlMsghdr+len(body)))
	binary.NativeEndian.PutUint16(msg[4:6], typ)
	binary.NativeEndian.PutUint16(msg[6:8], flags|unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	binary.NativeEndian.PutUint32(msg[8:12], c.seq)
	msg = append(msg, body...)
	if err := unix.Sendto(c.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netlink send: %w", err)
	}
	// NLM_F_DUMP is two bits, one of which NLM_F_EXCL reuses for new objects.
	dump := flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP
	var payloads [][]byte
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(c.fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, fmt.Errorf("netlink parse: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Seq != c.seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return payloads, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, errors.New("netlink: short error message")
				}
				if errno := int32(binary.NativeEndian.Uint32(m.Data[0:4])); errno != 0 {
					return nil, syscall.Errno(-errno)
				}
				// An ack: for a dump it comes after NLMSG_DONE, for the rest it ends.
				if !dump {
					return payloads, nil
				}
			default:
				payloads = append(payloads, append([]byte(nil), m.Data...))
			}
		}
	}
}

// ifInfo encodes an ifinfomsg for link index idx with flags/change.
func ifInfo(idx int32, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:8], uint32(idx))
	binary.NativeEndian.PutUint32(b[8:12], flags)
	binary.NativeEndian.PutUint32(b[12:16], change)
	return b
}

// linkIndex looks a link up by name in the connection's network namespace.
func (c *nlConn) linkIndex(name string) (int32, error) {
	body := append(ifInfo(0, 0, 0), encodeAttrs([]nlAttr{attrString(unix.IFLA_IFNAME, name)})...)
	replies, err := c.request(unix.RTM_GETLINK, 0, body)
	if err != nil {
		return 0, err
	}
	if len(replies) == 0 || len(replies[0]) < unix.SizeofIfInfomsg {
		return 0, errors.New("netlink: no link in the answer")
	}
	return int32(binary.NativeEndian.Uint32(replies[0][4:8])), nil
}

// ifAddr is one address as RTM_NEWADDR takes it: the ifaddrmsg and its attributes.
type ifAddr struct {
	family, prefixLen, flags, scope uint8
	attrs                           []nlAttr
}

// permanentGlobalAddrs returns the addresses of link idx that runtime-spec says survive
// the move: permanent ones (IFA_F_PERMANENT) of global scope (RT_SCOPE_UNIVERSE).
func (c *nlConn) permanentGlobalAddrs(idx int32) ([]ifAddr, error) {
	body := make([]byte, unix.SizeofIfAddrmsg) // family AF_UNSPEC: every family
	replies, err := c.request(unix.RTM_GETADDR, unix.NLM_F_DUMP, body)
	if err != nil {
		return nil, err
	}
	var out []ifAddr
	for _, r := range replies {
		if len(r) < unix.SizeofIfAddrmsg || int32(binary.NativeEndian.Uint32(r[4:8])) != idx {
			continue
		}
		a := ifAddr{family: r[0], prefixLen: r[1], flags: r[2], scope: r[3]}
		flags := uint32(a.flags)
		for _, at := range decodeAttrs(r[unix.SizeofIfAddrmsg:]) {
			switch at.typ {
			case unix.IFA_FLAGS: // the full 32-bit flags, when the 8 bits do not hold them
				if len(at.data) >= 4 {
					flags = binary.NativeEndian.Uint32(at.data)
				}
			case unix.IFA_ADDRESS, unix.IFA_LOCAL, unix.IFA_BROADCAST:
				a.attrs = append(a.attrs, at)
			}
		}
		if flags&unix.IFA_F_PERMANENT == 0 || a.scope != unix.RT_SCOPE_UNIVERSE {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

// addAddr adds a to link idx.
func (c *nlConn) addAddr(idx int32, a ifAddr) error {
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0], b[1], b[2], b[3] = a.family, a.prefixLen, a.flags, a.scope
	binary.NativeEndian.PutUint32(b[4:8], uint32(idx))
	_, err := c.request(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, append(b, encodeAttrs(a.attrs)...))
	return err
}

// setLink sends RTM_NEWLINK for link idx with the given flag change and attributes.
func (c *nlConn) setLink(idx int32, flags, change uint32, attrs ...nlAttr) error {
	_, err := c.request(unix.RTM_NEWLINK, 0, append(ifInfo(idx, flags, change), encodeAttrs(attrs)...))
	return err
}
