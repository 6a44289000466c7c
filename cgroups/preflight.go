package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// Preflight refuses, before anything is made, the two cgroups a new container must not be put in
// (runc ≥ 1.2 refuses both):
//   - one that already holds processes: they would share the container's limits, show up in its
//     `ps` and die with it;
//   - one that is frozen, itself or through a parent: init would stop on its first instruction
//     there and create would wait for it forever.
//
// Directories that do not exist yet are fine; for them the nearest existing parent is checked for
// a freeze, which a new cgroup inherits.
func (m *manager) Preflight() error {
	seen := map[string]bool{}
	for _, dir := range m.Paths() {
		if seen[dir] {
			continue
		}
		seen[dir] = true
		pids, err := m.pidsBelow(dir)
		if err != nil {
			return fmt.Errorf("check the container's cgroup: %w", err)
		}
		if len(pids) > 0 {
			return fmt.Errorf("container's cgroup is not empty: %d process(es) found in %s", len(pids), dir)
		}
	}
	if m.v1 != nil {
		for _, h := range m.v1.hierarchies {
			if !h.has("freezer") {
				continue
			}
			if dir, err := m.frozenV1(h.placement); err != nil || dir != "" {
				return frozenError(dir, err)
			}
		}
	}
	if m.v2 != nil {
		if dir, err := m.frozenV2(m.v2.placement); err != nil || dir != "" {
			return frozenError(dir, err)
		}
	}
	return nil
}

func frozenError(dir string, err error) error {
	if err != nil {
		return fmt.Errorf("check whether the container's cgroup is frozen: %w", err)
	}
	return fmt.Errorf("container's cgroup is frozen: %s (thaw it, or choose another linux.cgroupsPath)", dir)
}

// frozenV1 returns the nearest existing directory at or above p.dir whose freezer.state is not
// THAWED (v1 reports a parent's freeze in its children's state, and a new child starts frozen).
func (m *manager) frozenV1(p placement) (string, error) {
	for _, dir := range upTo(p) {
		b, err := m.fs.ReadFile(filepath.Join(dir, "freezer.state"))
		if errors.Is(err, fs.ErrNotExist) {
			continue // not made yet, or the hierarchy root (which cannot be frozen)
		}
		if err != nil {
			return "", err
		}
		if s := strings.TrimSpace(string(b)); s != "THAWED" {
			return dir, nil
		}
		return "", nil
	}
	return "", nil
}

// frozenV2 returns the first existing directory at or above p.dir with cgroup.freeze set: in
// cgroup2 a cgroup is frozen when it or any ancestor asks to be.
func (m *manager) frozenV2(p placement) (string, error) {
	for _, dir := range upTo(p) {
		b, err := m.fs.ReadFile(filepath.Join(dir, "cgroup.freeze"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(string(b)) == "1" {
			return dir, nil
		}
	}
	return "", nil
}

// upTo lists p.dir and its parents, deepest first, down to but not including the hierarchy's
// mountpoint (only p.dir when the mountpoint is unknown, as for a manager rebuilt by Load).
func upTo(p placement) []string {
	dirs := []string{p.dir}
	if p.mount == "" {
		return dirs
	}
	for d := filepath.Dir(p.dir); d != p.mount && strings.HasPrefix(d, p.mount+"/"); d = filepath.Dir(d) {
		dirs = append(dirs, d)
	}
	return dirs
}
