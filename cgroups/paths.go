package cgroups

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/moby/sys/mountinfo"
)

// defaultParent holds containers whose config has no linux.cgroupsPath. It is absolute (unlike runc's
// cgroupfs default, which nests under the runtime's own cgroup) so that on cgroup v2 the parent never
// holds processes itself, which the no-internal-processes rule would need once controllers are enabled.
const defaultParent = "/berth"

// procCgroup is one line of /proc/self/cgroup: "hierarchy-ID:controller-list:path".
type procCgroup struct {
	id          int
	controllers []string // empty for the cgroup2 hierarchy (id 0)
	path        string
}

func parseProcCgroup(data []byte) ([]procCgroup, error) {
	var out []procCgroup
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("/proc/self/cgroup: malformed line %q", line)
		}
		id, err := strconv.Atoi(parts[0])
		if err != nil {
			return nil, fmt.Errorf("/proc/self/cgroup: bad hierarchy id in %q", line)
		}
		pc := procCgroup{id: id, path: parts[2]}
		if parts[1] != "" {
			pc.controllers = strings.Split(parts[1], ",")
		}
		out = append(out, pc)
	}
	return out, nil
}

// hierarchy is one mounted cgroup hierarchy as this process sees it.
type hierarchy struct {
	controllers []string // v1 controller names, named hierarchies as "name=X"; empty for cgroup2
	mountpoint  string
	root        string // the cgroup that the mount shows at mountpoint (mountinfo's root field)
	own         string // this process's cgroup in the hierarchy, from /proc/self/cgroup
}

func (h hierarchy) unified() bool { return len(h.controllers) == 0 }

// hierarchiesOf is findHierarchies, read once per mode from the host's files: the mounts
// and our own cgroup do not change during a command, and create reads them for the
// prewarm and again for the manager (mountinfo's parse was 2-4% of a run's CPU time).
func hierarchiesOf(f fsOps, mode Mode) ([]hierarchy, error) {
	if _, host := f.(hostFS); !host {
		return findHierarchies(f, mode)
	}
	hostHierarchies.Lock()
	defer hostHierarchies.Unlock()
	hs, ok := hostHierarchies.byMode[mode]
	if !ok {
		var err error
		if hs, err = findHierarchies(f, mode); err != nil {
			return nil, err
		}
		if hostHierarchies.byMode == nil {
			hostHierarchies.byMode = map[Mode][]hierarchy{}
		}
		hostHierarchies.byMode[mode] = hs
	}
	return slices.Clone(hs), nil
}

var hostHierarchies struct {
	sync.Mutex
	byMode map[Mode][]hierarchy
}

// findHierarchies lists the hierarchies a container is placed in for mode: every mounted v1 hierarchy
// (Legacy, Hybrid) and the cgroup2 one (Hybrid, Unified). The order is stable: v1 by mountpoint, then v2.
func findHierarchies(f fsOps, mode Mode) ([]hierarchy, error) {
	mi, err := f.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	mounts, err := mountinfo.GetMountsFromReader(bytes.NewReader(mi), mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("parse /proc/self/mountinfo: %w", err)
	}
	pcData, err := f.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read own cgroup: %w", err)
	}
	own, err := parseProcCgroup(pcData)
	if err != nil {
		return nil, err
	}

	var out []hierarchy
	if mode != Unified {
		out = v1Hierarchies(mounts, own)
	}
	if mode != Legacy {
		if h, ok := unifiedHierarchy(mounts, own, mode); ok {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cgroup hierarchy is mounted (mode %s)", mode)
	}
	return out, nil
}

// v1Hierarchies matches each v1 mount to its /proc/self/cgroup line by controller names. A hierarchy
// mounted twice is used once, preferring a mount whose root contains our own cgroup.
func v1Hierarchies(mounts []*mountinfo.Info, own []procCgroup) []hierarchy {
	chosen := map[int]hierarchy{}
	for _, m := range mounts {
		if m.FSType != "cgroup" {
			continue
		}
		opts := map[string]bool{}
		for _, o := range strings.Split(m.VFSOptions, ",") {
			opts[o] = true
		}
		for _, pc := range own {
			if pc.id == 0 || len(pc.controllers) == 0 || !allIn(pc.controllers, opts) {
				continue
			}
			h := hierarchy{controllers: pc.controllers, mountpoint: m.Mountpoint, root: m.Root, own: pc.path}
			prev, seen := chosen[pc.id]
			if !seen || (!underRoot(prev.own, prev.root) && underRoot(h.own, h.root)) {
				chosen[pc.id] = h
			}
			break
		}
	}
	out := make([]hierarchy, 0, len(chosen))
	for _, h := range chosen {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].mountpoint < out[j].mountpoint })
	return out
}

// unifiedHierarchy picks the cgroup2 mount: /sys/fs/cgroup/unified on hybrid hosts, /sys/fs/cgroup on
// pure v2, else the first cgroup2 mount.
func unifiedHierarchy(mounts []*mountinfo.Info, own []procCgroup, mode Mode) (hierarchy, bool) {
	var ownPath string
	found := false
	for _, pc := range own {
		if pc.id == 0 && len(pc.controllers) == 0 {
			ownPath, found = pc.path, true
		}
	}
	if !found {
		return hierarchy{}, false
	}
	want := cgroupRoot
	if mode == Hybrid {
		want = hybridUnified
	}
	var first *mountinfo.Info
	for _, m := range mounts {
		if m.FSType != "cgroup2" {
			continue
		}
		if m.Mountpoint == want {
			first = m
			break
		}
		if first == nil {
			first = m
		}
	}
	if first == nil {
		return hierarchy{}, false
	}
	return hierarchy{mountpoint: first.Mountpoint, root: first.Root, own: ownPath}, true
}

func allIn(names []string, set map[string]bool) bool {
	for _, n := range names {
		if !set[n] {
			return false
		}
	}
	return true
}

// underRoot tells whether cgroup p is root or below it (both as /proc shows them, "/"-rooted).
func underRoot(p, root string) bool {
	_, ok := relToRoot(p, root)
	return ok
}

// relToRoot returns cgroup p relative to the mount root, or false when p is outside it (as happens for
// a cgroup namespace whose root is below p, where /proc shows "/.." paths).
func relToRoot(p, root string) (string, bool) {
	// Clean rewrites every ".." component, so a path it leaves unchanged has none.
	if !path.IsAbs(p) || p != path.Clean(p) {
		return "", false
	}
	if root == "/" {
		return p, true
	}
	if p == root {
		return "/", true
	}
	if strings.HasPrefix(p, root+"/") {
		return p[len(root):], true
	}
	return "", false
}

// effectivePath is the cgroupsPath to use: the configured one, or /berth/<id> when it is empty.
func effectivePath(cgroupsPath, id string) (string, error) {
	if cgroupsPath != "" {
		return cgroupsPath, nil
	}
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\x00") {
		return "", fmt.Errorf("container id %q cannot name a cgroup", id)
	}
	return defaultParent + "/" + id, nil
}

// components splits cgroupsPath into the directory names it descends through, resolving "." and
// ".." lexically. A ".." that would climb above the starting point (the hierarchy root for an absolute
// path, our own cgroup for a relative one) is rejected rather than clamped, as is a path naming the
// starting point itself, which is not the container's to remove.
func components(cgroupsPath string) ([]string, error) {
	if strings.ContainsRune(cgroupsPath, 0) {
		return nil, fmt.Errorf("linux.cgroupsPath %q contains a NUL byte", cgroupsPath)
	}
	var out []string
	for _, c := range strings.Split(cgroupsPath, "/") {
		switch c {
		case "", ".":
		case "..":
			if len(out) == 0 {
				return nil, fmt.Errorf("linux.cgroupsPath %q: \"..\" climbs out of its %s", cgroupsPath, startName(cgroupsPath))
			}
			out = out[:len(out)-1]
		default:
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("linux.cgroupsPath %q names the %s itself, not a cgroup of the container's own", cgroupsPath, startName(cgroupsPath))
	}
	return out, nil
}

func startName(cgroupsPath string) string {
	if path.IsAbs(cgroupsPath) {
		return "hierarchy root"
	}
	return "runtime's own cgroup"
}

// containerDir is the container's directory in h: an absolute cgroupsPath counts from the hierarchy's
// mount root, a relative one from our own cgroup in that hierarchy (as runc does).
func containerDir(h hierarchy, cgroupsPath string) (string, error) {
	comps, err := components(cgroupsPath)
	if err != nil {
		return "", err
	}
	base := h.mountpoint
	if !path.IsAbs(cgroupsPath) {
		rel, ok := relToRoot(h.own, h.root)
		if !ok {
			return "", fmt.Errorf("linux.cgroupsPath %q is relative, but our own cgroup %q is not visible under %s (mount root %q)",
				cgroupsPath, h.own, h.mountpoint, h.root)
		}
		base = filepath.Join(h.mountpoint, rel)
	}
	dir := filepath.Join(append([]string{base}, comps...)...)
	// Belt and braces: the lexical checks above should make this impossible.
	if r, err := filepath.Rel(h.mountpoint, dir); err != nil || r == "." || r == ".." || strings.HasPrefix(r, "../") {
		return "", fmt.Errorf("linux.cgroupsPath %q resolves to %s, outside the hierarchy at %s", cgroupsPath, dir, h.mountpoint)
	}
	return dir, nil
}
