package cgroups

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
)

// Planned is the State m will have once it made its cgroups: its directories, and as
// Created the parents that do not exist yet. Recorded before anything is made, it lets a
// later process remove what a create that died half-way made ("orphans of a killed
// create"): Destroy removes missing leaves quietly and a parent only if it is empty, so
// a parent another container made meanwhile is safe.
func Planned(m Manager) State {
	s := m.State()
	base, ok := m.(*manager)
	if !ok {
		return s // systemd: the scope's parents are systemd's
	}
	seen := map[string]bool{}
	for _, c := range s.Created {
		seen[c] = true
	}
	for _, p := range base.placements() {
		for _, d := range missingParents(base.fs, p) {
			if !seen[d] {
				seen[d] = true
				s.Created = append(s.Created, d)
			}
		}
	}
	return s
}

// placements are the container's directories, one per hierarchy.
func (m *manager) placements() []placement {
	var ps []placement
	if m.v1 != nil {
		for _, h := range m.v1.hierarchies {
			ps = append(ps, h.placement)
		}
	}
	if m.v2 != nil {
		ps = append(ps, m.v2.placement)
	}
	return ps
}

// missingParents lists, top down, the directories between p.mount and p.dir that do
// not exist now.
func missingParents(f fsOps, p placement) []string {
	if p.mount == "" {
		return nil
	}
	rel, err := filepath.Rel(p.mount, p.dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil
	}
	var out []string
	cur := p.mount
	comps := strings.Split(rel, "/")
	for _, c := range comps[:len(comps)-1] {
		cur = filepath.Join(cur, c)
		if _, err := f.FSType(cur); errors.Is(err, fs.ErrNotExist) {
			out = append(out, cur)
		}
	}
	return out
}
