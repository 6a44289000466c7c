package nsenter

import (
	"fmt"
	"os"
	"strings"
)

// FormatIDMap renders mappings in the kernel's uid_map/gid_map format.
func FormatIDMap(m []IDMap) string {
	var b strings.Builder
	for _, e := range m {
		fmt.Fprintf(&b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
	}
	return b.String()
}

// writeIDMaps writes gid_map then uid_map of pid. The kernel takes each map in one
// write; the caller is root in the parent user namespace, so setgroups stays allowed.
func writeIDMaps(pid int, uids, gids []IDMap) error {
	for _, f := range []struct {
		name string
		m    []IDMap
	}{{"gid_map", gids}, {"uid_map", uids}} {
		if len(f.m) == 0 {
			continue
		}
		path := fmt.Sprintf("/proc/%d/%s", pid, f.name)
		if err := os.WriteFile(path, []byte(FormatIDMap(f.m)), 0); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
