package cgroups

import (
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Enter moves pid into the container's existing cgroups recorded in s (for `berth
// exec`), or into sub-cgroups of them (exec --cgroup); it creates nothing.
func Enter(s State, pid int, sub SubCgroups) error {
	for ctrl, dir := range s.Paths {
		if dir == "" {
			continue
		}
		name := ctrl
		if name == "" {
			name = "cgroup2"
		}
		if rel := sub.For(ctrl); rel != "" {
			dir = filepath.Join(dir, rel)
		}
		if err := sysFS.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid))); err != nil {
			return fmt.Errorf("join the container's %s cgroup %s: %w", name, dir, err)
		}
	}
	return nil
}

// SubCgroups is exec --cgroup: a sub-cgroup for every hierarchy ("" key) and/or for
// named controllers, relative to the container's own cgroup.
type SubCgroups map[string]string

// ParseSubCgroups reads runc's --cgroup values, each "[controller[,controller]:]path".
// As with runc, the path is relative to the container's cgroup even when it starts
// with "/", so "/" (or ".") is the container's own cgroup; it must not leave it ("..").
func ParseSubCgroups(values []string) (SubCgroups, error) {
	sub := SubCgroups{}
	for _, v := range values {
		ctrls, p, found := strings.Cut(v, ":")
		if !found {
			ctrls, p = "", v
		}
		clean := path.Clean(strings.TrimLeft(p, "/"))
		if p == "" || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("--cgroup %q: the path must name a sub-cgroup inside the container's", v)
		}
		if clean == "." {
			clean = "" // the container's own cgroup
		}
		for _, c := range strings.Split(ctrls, ",") {
			if _, dup := sub[c]; dup {
				return nil, fmt.Errorf("--cgroup %q: more than one path for %q", v, c)
			}
			sub[c] = clean
		}
	}
	return sub, nil
}

// For is the sub-cgroup to use in the hierarchy of ctrl ("" for cgroup2): the one named
// for that controller (for a co-mounted "cpu,cpuacct", either name), else the one for
// every hierarchy.
func (s SubCgroups) For(ctrl string) string {
	for _, c := range strings.Split(ctrl, ",") {
		if p, ok := s[c]; ok && c != "" {
			return p
		}
	}
	return s[""]
}
