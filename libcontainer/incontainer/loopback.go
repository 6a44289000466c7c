package incontainer

import (
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// upLoopback sets lo up in a network namespace the container created, as runc does: a new
// network namespace starts with lo down, and programs expect 127.0.0.1 to answer. Init runs
// it inside the namespace (a joined one is left as its owner made it). SIOCSIFFLAGS on
// any socket acts in the socket's network namespace: init's, here.
func upLoopback(cfg *configs.Config) error {
	if !cfg.HasNamespace(configs.NEWNET) || cfg.NamespacePath(configs.NEWNET) != "" {
		return nil
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: read its flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	return nil
}
