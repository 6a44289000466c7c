// Package pty holds the devpts helpers both sides use: init opens a container's
// terminal with them, the parent names a restored one (CRIU) for the console socket.
package pty

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

const devptsMagic = 0x1cd1

// Peer opens the slave side of master with TIOCGPTPEER (Linux 4.13).
func Peer(master int) (int, error) {
	r1, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER,
		uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		return -1, fmt.Errorf("process.terminal: open pty peer: %w", errno)
	}
	return int(r1), nil
}

// CheckPeer makes sure the peer is a pty slave on a devpts, not whatever a container
// might have made /dev/ptmx point at.
func CheckPeer(fd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	major := unix.Major(st.Rdev)
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || major < 136 || major > 143 || !OnDevpts(fd) {
		return errors.New("process.terminal: /dev/ptmx did not give a devpts terminal")
	}
	return nil
}

// OnDevpts tells whether fd is a file of a devpts file system.
func OnDevpts(fd int) bool {
	var sfs unix.Statfs_t
	return unix.Fstatfs(fd, &sfs) == nil && sfs.Type == devptsMagic
}

// Name is the path of master's peer in its devpts (/dev/pts/N), as the console socket's
// receiver is told.
func Name(master int) (string, error) {
	n, err := unix.IoctlGetUint32(master, unix.TIOCGPTN)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/dev/pts/%d", n), nil
}
