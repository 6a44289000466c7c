package cgroups

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// Enter moves pid into the container's existing cgroups recorded in s (for `berth
// exec`); it creates nothing.
func Enter(s State, pid int) error {
	for ctrl, dir := range s.Paths {
		if dir == "" {
			continue
		}
		if err := sysFS.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid))); err != nil {
			if ctrl == "" {
				ctrl = "cgroup2"
			}
			return fmt.Errorf("join the container's %s cgroup: %w", ctrl, err)
		}
	}
	return nil
}
