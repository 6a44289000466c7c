package cgroups

// State is the small, JSON-serializable record that lets a later process (berth delete, kill --all)
// list and remove a container's cgroups without recomputing them.
type State struct {
	// Paths is Manager.Paths(): controller name => directory, "" for the cgroup2 directory.
	Paths map[string]string `json:"paths"`
	// Created lists the parent directories Apply made. Destroy removes only these parents (when empty),
	// so a parent that existed before is never touched; the leaves in Paths are always removed.
	Created []string `json:"created,omitempty"`
	// Systemd names the transient unit when the systemd driver made the cgroup.
	Systemd *SystemdState `json:"systemd,omitempty"`
}

func (m *manager) State() State {
	return State{Paths: m.Paths(), Created: append([]string(nil), m.created...)}
}

// Load rebuilds a manager from saved State. It can list pids and Destroy; it cannot Apply, since it does
// not know the hierarchies' mountpoints.
func Load(s State) Manager {
	m := load(sysFS, s)
	if s.Systemd != nil {
		inst := systemInstance()
		if s.Systemd.User {
			inst = userInstance()
		}
		return &systemdManager{manager: m, unit: s.Systemd.Unit, slice: s.Systemd.Slice, sd: inst}
	}
	return m
}

func load(f fsOps, s State) *manager {
	m := &manager{fs: f, created: append([]string(nil), s.Created...)}
	byDir := map[string]int{} // co-mounted controllers share one dir, hence one v1Hierarchy
	for c, d := range s.Paths {
		if c == "" {
			m.v2 = &v2Driver{placement: placement{dir: d}}
			continue
		}
		if m.v1 == nil {
			m.v1 = &v1Driver{}
		}
		if i, ok := byDir[d]; ok {
			m.v1.hierarchies[i].controllers = append(m.v1.hierarchies[i].controllers, c)
			continue
		}
		byDir[d] = len(m.v1.hierarchies)
		m.v1.hierarchies = append(m.v1.hierarchies, v1Hierarchy{controllers: []string{c}, placement: placement{dir: d}})
	}
	return m
}
