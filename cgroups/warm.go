package cgroups

import (
	"os"
	"path/filepath"
	"strconv"
)

// Prewarm starts, in the background, the wait that the first cgroup migration after a
// quiet spell must do. Moving a process between cgroups takes the kernel's global
// cgroup_threadgroup_rwsem for writing, and the first writer waits for an RCU grace
// period (5-15 ms on a small VM) while later ones within a grace period pass at once.
// Moving ourselves into the cgroup we are already in costs nothing else, so doing it
// first thing (berth's main, for create, run and exec) overlaps that wait with the rest
// of the command instead of paying it in Apply. The writer holds cgroup_mutex while it
// waits, so cgroup mkdirs block until then too; nothing else berth does before Apply
// needs it.
func Prewarm() {
	// On pure v2 containers are born in their cgroup (ClonePlacer), no migration to
	// prepare for; a prewarm would only hold cgroup_mutex, which mkdir needs, meanwhile.
	if DetectMode() == Unified {
		return
	}
	go func() {
		hs, err := hierarchiesOf(sysFS, DetectMode())
		if err != nil {
			return
		}
		for _, h := range hs {
			rel, ok := relToRoot(h.own, h.root)
			if !ok {
				continue
			}
			procs := filepath.Join(h.mountpoint, rel, "cgroup.procs")
			// Best effort: any failure only means no head start.
			os.WriteFile(procs, []byte(strconv.Itoa(os.Getpid())), 0)
			return
		}
	}()
}
