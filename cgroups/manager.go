package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Manager places one container's processes in its cgroups and removes those cgroups again.
type Manager interface {
	// Apply creates the cgroup directories (parents too) in every hierarchy and moves pid into them.
	// On error the caller should still call Destroy: dirs made so far are tracked.
	Apply(pid int) error
	// Set writes linux.resources into the container's cgroups: only the files the fields that are
	// set map to. A field the host cannot honour (controller or file missing) is an error naming it.
	Set(r *specs.LinuxResources) error
	// Freeze stops every process of the cgroup and returns once they are all frozen; Thaw resumes them.
	Freeze() error
	Thaw() error
	// Frozen reports whether the cgroup is frozen (false when there is no freezer).
	Frozen() (bool, error)
	// Stats reads the counters that `events` reports.
	Stats() (*Stats, error)
	// OOMKills is the number of processes the kernel's OOM killer killed in the cgroup so far.
	OOMKills() (uint64, error)
	// Pids lists the processes in the container's cgroup (for kill --all); none once the cgroup is gone.
	Pids() ([]int, error)
	// Signal sends sig to every process in the container's cgroups (kill --all, delete).
	Signal(sig unix.Signal) error
	// Preflight refuses cgroups a new container must not use: non-empty or frozen ones.
	Preflight() error
	// Destroy removes the container's cgroups deepest-first, plus the parents this manager created,
	// never a parent that existed before Apply or that still holds another container's cgroup.
	Destroy() error
	// Paths maps controller name to absolute directory; "" is the cgroup2 directory.
	Paths() map[string]string
	// State is what Load needs to rebuild the manager in a later process. Take it after Apply.
	State() State
}

// New computes the cgroup directories for cgroupsPath (linux.cgroupsPath) and container id. It only reads
// /proc/self/{mountinfo,cgroup}; nothing is created until Apply. An empty cgroupsPath means /berth/<id>.
func New(cgroupsPath, id string) (Manager, error) {
	return NewWithOptions(Options{CgroupsPath: cgroupsPath, ID: id, Systemd: UseSystemd})
}

// Options select and configure the driver.
type Options struct {
	CgroupsPath string // linux.cgroupsPath
	ID          string // the container id
	// Systemd uses the systemd driver (--systemd-cgroup); nothing else selects it.
	Systemd bool
	// Rootless: the caller is not root (--rootless). The systemd driver then asks the caller's
	// systemd user instance for the scope, in user.slice by default, as runc does.
	Rootless bool
	// Annotations may carry org.systemd.property.* unit properties for the systemd driver.
	Annotations map[string]string
}

// NewWithOptions is New with every setting spelled out.
func NewWithOptions(o Options) (Manager, error) {
	if o.Systemd {
		return newSystemdManager(sysFS, DetectMode(), o)
	}
	return newManager(sysFS, DetectMode(), o.CgroupsPath, o.ID)
}

func newManager(f fsOps, mode Mode, cgroupsPath, id string) (*manager, error) {
	p, err := effectivePath(cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	hs, err := hierarchiesOf(f, mode)
	if err != nil {
		return nil, err
	}
	m := &manager{fs: f}
	for _, h := range hs {
		dir, err := containerDir(h, p)
		if err != nil {
			return nil, err
		}
		pl := placement{mount: h.mountpoint, dir: dir}
		if h.unified() {
			// Only pure v2 gets its controllers enabled: on hybrid hosts they belong to v1.
			m.v2 = &v2Driver{placement: pl, delegate: mode == Unified}
			continue
		}
		if m.v1 == nil {
			m.v1 = &v1Driver{}
		}
		m.v1.hierarchies = append(m.v1.hierarchies, v1Hierarchy{controllers: h.controllers, placement: pl})
	}
	return m, nil
}

// manager drives v1 (Legacy, Hybrid) and/or v2 (Hybrid, Unified). On Hybrid the cgroup2 hierarchy has
// no controllers, so a later Set(resources) belongs to v1 when it is present and to v2 otherwise.
type manager struct {
	fs      fsOps
	v1      *v1Driver
	v2      *v2Driver
	created []string // parents that Apply made, in creation order; the leaves are in the drivers
}

// placement is the container's directory in one hierarchy.
type placement struct {
	// mount is the hierarchy's mountpoint: nothing at or above it is ever made or removed. It is empty
	// for a manager rebuilt by Load, which can remove and list but not Apply.
	mount string
	dir   string
}

func (m *manager) Apply(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("cgroup apply: invalid pid %d", pid)
	}
	if m.v1 == nil && m.v2 == nil {
		return errors.New("cgroup apply: manager has no cgroup directories")
	}
	if m.v1 != nil {
		if err := m.v1.apply(m, pid); err != nil {
			return err
		}
	}
	if m.v2 != nil {
		if err := m.v2.apply(m, pid); err != nil {
			return err
		}
	}
	return nil
}

// makeDirs creates p.dir and any missing parents below p.mount, remembering which parents it made.
func (m *manager) makeDirs(p placement) error {
	if p.mount == "" {
		return fmt.Errorf("cgroup %s: a manager rebuilt from saved state cannot create cgroups", p.dir)
	}
	rel, err := filepath.Rel(p.mount, p.dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroup %s is not below its hierarchy %s", p.dir, p.mount)
	}
	// The leaf first: its parents usually exist (berth/ of earlier containers), and a
	// mkdir that fails with EEXIST costs as much as one that makes a cgroup (~12 per
	// create on v1). ENOENT: a parent is missing, so the chain from the top.
	switch err := m.fs.Mkdir(p.dir); {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("create cgroup %s: %w", p.dir, err)
	}
	// A parent may vanish between our mkdirs when another container's Destroy removes it; start over.
	const attempts = 3
	for try := 1; ; try++ {
		err := m.makeChain(p.mount, strings.Split(rel, "/"), p.dir)
		if err == nil || try == attempts || !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
}

func (m *manager) makeChain(mount string, comps []string, leaf string) error {
	cur := mount
	for _, c := range comps {
		cur = filepath.Join(cur, c)
		err := m.fs.Mkdir(cur)
		switch {
		case err == nil:
			if cur != leaf {
				m.created = append(m.created, cur)
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return fmt.Errorf("create cgroup %s: %w", cur, err)
		}
	}
	return nil
}

// addProc moves pid (its whole thread group) into dir.
func (m *manager) addProc(dir string, pid int) error {
	procs := filepath.Join(dir, "cgroup.procs")
	if err := m.fs.WriteFile(procs, []byte(strconv.Itoa(pid))); err != nil {
		return fmt.Errorf("move pid %d into cgroup %s: %w", pid, dir, err)
	}
	return nil
}

func (m *manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	// On hybrid hosts the controllers are v1's; the cgroup2 directory only places processes.
	if m.v1 != nil {
		return m.v1.set(m.fs, r)
	}
	if m.v2 != nil {
		return m.v2.set(m.fs, r)
	}
	return errors.New("cgroup set: manager has no cgroup directories")
}

func (m *manager) Paths() map[string]string {
	out := map[string]string{}
	if m.v1 != nil {
		for _, h := range m.v1.hierarchies {
			for _, c := range h.controllers {
				out[c] = h.dir
			}
		}
	}
	if m.v2 != nil {
		out[""] = m.v2.dir
	}
	return out
}

// Pids reads cgroup.procs of one hierarchy, the container's directory and every cgroup below it
// (a container with a cgroup namespace may make its own): cgroup2's on pure v2, otherwise the first of
// the pids, devices, freezer hierarchies (every container is in them), else the first by name.
func (m *manager) Pids() ([]int, error) {
	dir := m.pidsDir()
	if dir == "" {
		return nil, errors.New("cgroup pids: manager has no cgroup directories")
	}
	return m.pidsBelow(dir)
}

func (m *manager) pidsBelow(dir string) ([]int, error) {
	procs := filepath.Join(dir, "cgroup.procs")
	data, err := m.fs.ReadFile(procs)
	if cgroupGone(err) {
		return nil, nil // the cgroup is gone or going, so no process is left in it
	}
	if err != nil {
		return nil, fmt.Errorf("list the processes in cgroup %s: %w", dir, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: bad pid %q", procs, f)
		}
		pids = append(pids, pid)
	}
	children, err := m.fs.SubDirs(dir)
	if err != nil && !cgroupGone(err) {
		return nil, fmt.Errorf("list cgroup %s: %w", dir, err)
	}
	for _, c := range children {
		sub, err := m.pidsBelow(filepath.Join(dir, c))
		if err != nil {
			return nil, err
		}
		pids = append(pids, sub...)
	}
	return pids, nil
}

// cgroupGone reports an error that means the cgroup no longer exists: ENOENT once it is removed,
// ENODEV from a v1 cgroup being removed under us (systemd removes an emptied scope's directories
// while delete still polls them).
func cgroupGone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENODEV)
}

func (m *manager) pidsDir() string {
	paths := m.Paths()
	for _, c := range []string{"pids", "devices", "freezer"} {
		if d := paths[c]; d != "" {
			return d
		}
	}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		if k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return paths[keys[0]]
	}
	return paths[""]
}
