package rootfs

import (
	"strings"

	"github.com/berth-runtime/berth/internal/rawfile"
	"github.com/berth-runtime/berth/libcontainer/configs"
)

// inUserNS reports whether the init runs in a user namespace other than the initial
// one: asked for by the config, or inherited (berth itself run rootless or nested).
func inUserNS(c *configs.Config) bool {
	if c.HasNamespace(configs.NEWUSER) {
		return true
	}
	uidMap, err := rawfile.ReadKernelFile("/proc/self/uid_map")
	if err != nil {
		return false // no /proc/self/uid_map: kernel without user namespaces
	}
	return !isInitialUIDMap(string(uidMap))
}

// isInitialUIDMap: the initial user namespace maps the whole 32-bit range onto itself.
func isInitialUIDMap(content string) bool {
	f := strings.Fields(content)
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

// hasNewNamespace reports whether the config creates (rather than joins) namespace t.
func hasNewNamespace(c *configs.Config, t configs.NamespaceType) bool {
	return c.HasNamespace(t) && c.NamespacePath(t) == ""
}
