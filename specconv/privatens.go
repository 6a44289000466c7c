package specconv

import (
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// requirePrivateNamespace checks that c has a namespace of type t that is not the one
// berth runs in: a new one, or a joined one belonging to someone else. Settings that go
// through it (sysctls, hostname) would otherwise change the host.
func requirePrivateNamespace(c *configs.Config, t configs.NamespaceType) error {
	if !c.HasNamespace(t) {
		return fmt.Errorf("needs a %s namespace, and linux.namespaces has none", t)
	}
	path := c.NamespacePath(t)
	if path == "" {
		return nil
	}
	own, err := nsfs.IsOwn(path, t)
	if err != nil {
		return fmt.Errorf("cannot compare %s with berth's own %s namespace: %w", path, t, err)
	}
	if own {
		return fmt.Errorf("the %s namespace to join (%s) is the host's", t, path)
	}
	return nil
}
