package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/internal/rawfile"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// partialFile records, in the container's directory, what a create in progress makes,
// each thing before it is made, until state.json replaces it: a create killed at any
// point leaves enough for `delete --force` to find and remove it ("orphans of a killed
// create"). Its processes die by themselves (nsenter's parent-death signal, then end
// of file on the sync socket, until init hears the state is saved).
const partialFile = "creating.json"

// partial is what a create may have made so far.
type partial struct {
	// Cgroup is the plan (cgroups.Planned) until init is placed, then the real state.
	Cgroup        cgroups.State        `json:"cgroup"`
	IntelRdt      *specs.LinuxIntelRdt `json:"intel_rdt,omitempty"`
	InitPid       int                  `json:"init_pid,omitempty"`
	InitStartTime uint64               `json:"init_start_time,omitempty"`
}

// recordPartial writes what c has made or is about to make: its cgroups (planned, or
// real once init is in them), its resctrl groups, init's pid and start time.
func (c *creation) recordPartial(cg cgroups.State) error {
	p := partial{Cgroup: cg, IntelRdt: c.cfg.IntelRdt, InitPid: c.pid, InitStartTime: c.pidStart}
	if err := writeJSONAtomic(c.dir, partialFile, &p); err != nil {
		return fmt.Errorf("record the container being created: %w", err)
	}
	return nil
}

// removePartial is `delete --force` of a container whose create died before it saved
// the state: init (if it still runs), every process in the cgroups, the cgroups, the
// resctrl groups, the directory. The caller holds the id's lock, so the create is over.
func (s Store) removePartial(id string) error {
	data, err := rawfile.Read(filepath.Join(s.dir(id), partialFile))
	if errors.Is(err, os.ErrNotExist) {
		return s.remove(id) // died right after reserving the id: nothing else was made
	}
	if err != nil {
		return fmt.Errorf("read what the create of %q made: %w", id, err)
	}
	var p partial
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("read what the create of %q made: %w", id, err)
	}
	st := &State{ID: id, InitPid: p.InitPid, InitStartTime: p.InitStartTime, Cgroup: p.Cgroup}
	if err := killEverything(st); err != nil {
		return err
	}
	if err := cgroups.Load(p.Cgroup).Destroy(); err != nil {
		return fmt.Errorf("remove cgroup: %w", err)
	}
	if err := removeIntelRdt(id, p.IntelRdt); err != nil {
		return err
	}
	return s.remove(id)
}
