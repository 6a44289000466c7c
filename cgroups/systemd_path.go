package cgroups

import (
	"fmt"
	"path"
	"strings"
)

// UseSystemd selects the systemd driver for every New (the --systemd-cgroup flag). It alone
// chooses the driver, as in runc: without it a "slice:prefix:name" cgroupsPath is a plain
// cgroupfs path. containerd 1.6 writes that form for any ".slice" pod parent even with
// SystemdCgroup = false, and Kubernetes' CRI validation starts pods under such parents.
var UseSystemd bool

// systemdPath is a parsed "slice:prefix:name" cgroupsPath.
type systemdPath struct {
	slice string // e.g. system.slice; "" means system.slice
	unit  string // the transient scope, e.g. berth-<id>.scope
}

// parseSystemdPath reads cgroupsPath as runc does for --systemd-cgroup; an empty one means
// system.slice:berth:<id>, and an empty slice system.slice (user.slice for a user instance).
func parseSystemdPath(cgroupsPath, id string, user bool) (systemdPath, error) {
	if cgroupsPath == "" {
		cgroupsPath = ":berth:" + id
	}
	parts := strings.Split(cgroupsPath, ":")
	if len(parts) != 3 {
		return systemdPath{}, fmt.Errorf("linux.cgroupsPath %q: the systemd driver expects slice:prefix:name", cgroupsPath)
	}
	slice, prefix, name := parts[0], parts[1], parts[2]
	if slice == "" {
		slice = "system.slice"
		if user {
			slice = "user.slice"
		}
	}
	if !strings.HasSuffix(slice, ".slice") || !validUnitPart(strings.TrimSuffix(slice, ".slice")) {
		return systemdPath{}, fmt.Errorf("linux.cgroupsPath %q: %q is not a slice unit name", cgroupsPath, slice)
	}
	if name == "" || !validUnitPart(name) || (prefix != "" && !validUnitPart(prefix)) {
		return systemdPath{}, fmt.Errorf("linux.cgroupsPath %q: prefix and name must be unit name characters", cgroupsPath)
	}
	if strings.HasSuffix(name, ".slice") {
		return systemdPath{}, fmt.Errorf("linux.cgroupsPath %q: a slice as the container's unit is not supported", cgroupsPath)
	}
	unit := name + ".scope"
	if prefix != "" {
		unit = prefix + "-" + unit
	}
	return systemdPath{slice: slice, unit: unit}, nil
}

// validUnitPart allows the characters systemd allows in unit names (no "/" or "..", so the cgroup
// path built from it cannot leave the hierarchy).
func validUnitPart(s string) bool {
	if s == "" || s == "." || strings.Contains(s, "..") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(":-_.\\@", c)) {
			return false
		}
	}
	return true
}

// cgroup is the unit's directory below the cgroup2 root: a slice "a-b-c.slice" nests as
// /a.slice/a-b.slice/a-b-c.slice, and "-.slice" is the root itself.
func (p systemdPath) cgroup() string {
	dir := "/"
	if p.slice != "-.slice" {
		name := strings.TrimSuffix(p.slice, ".slice")
		parts := strings.Split(name, "-")
		for i := range parts {
			dir = path.Join(dir, strings.Join(parts[:i+1], "-")+".slice")
		}
	}
	return path.Join(dir, p.unit)
}
