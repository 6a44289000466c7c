package libcontainer

import (
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// upLoopback sets lo up in a network namespace the container created, as runc does: a new
// network namespace starts with lo down, and programs expect 127.0.0.1 to answer. Init runs
// it inside the namespace (a joined one is left as its owner made it).
func upLoopback(cfg *configs.Config) error {
	if !cfg.HasNamespace(configs.NEWNET) || cfg.NamespacePath(configs.NEWNET) != "" {
		return nil
	}
	c, err := newNLConn()
	if err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	defer c.Close()
	// lo is always ifindex 1 in a network namespace (the kernel's LOOPBACK_IFINDEX): no
	// lookup needed.
	const loopbackIndex = 1
	if err := c.setLink(loopbackIndex, unix.IFF_UP, unix.IFF_UP); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	return nil
}
