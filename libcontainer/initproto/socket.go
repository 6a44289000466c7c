package initproto

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// packetBuffer is the socket buffer asked for on both ends. The largest message is the
// config (the whole container config, mounts, hooks and seccomp profile included) and
// hooks-done (the compiled filter); on AF_UNIX a packet may be as large as the sender's
// buffer. The kernel's default (wmem_default, usually 208 KiB) holds typical configs;
// 8 MiB holds any sane one. Root may exceed wmem_max (SO_SNDBUFFORCE); otherwise the
// kernel caps it there, and a larger message fails with an error naming its size.
const packetBuffer = 8 << 20

// Socketpair makes the parent↔init socketpair: the parent's end, non-blocking so that
// every wait on init has a deadline (the os.File is pollable), and init's end, blocking,
// for the parent to pass to init. Both are close-on-exec.
func Socketpair() (parent *os.File, child int, err error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, -1, fmt.Errorf("socketpair: %w", err)
	}
	for _, fd := range pair {
		growBuffers(fd)
	}
	if err := unix.SetNonblock(pair[0], true); err != nil {
		unix.Close(pair[0])
		unix.Close(pair[1])
		return nil, -1, fmt.Errorf("socketpair: %w", err)
	}
	return os.NewFile(uintptr(pair[0]), "init-sync"), pair[1], nil
}

// growBuffers asks for packetBuffer on fd, past wmem_max/rmem_max where allowed. Best
// effort: what the kernel grants bounds the packet size, and send names it.
func growBuffers(fd int) {
	for _, o := range [][2]int{{unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}, {unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}} {
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[0], packetBuffer) != nil {
			unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[1], packetBuffer)
		}
	}
}

// maxPacket is the largest packet fd can send: AF_UNIX refuses one larger than the
// socket's send buffer (SO_SNDBUF reports it) less 32 bytes.
func maxPacket(fd int) int {
	n, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
	if err != nil || n < 32 {
		return 0
	}
	return n - 32
}
