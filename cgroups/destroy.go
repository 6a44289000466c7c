package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// busyRetries are the waits between rmdir attempts on a leaf that is still EBUSY because its last
// processes are exiting (a killed task leaves its cgroup only once it has finished exiting).
var busyRetries = []time.Duration{
	10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond,
	80 * time.Millisecond, 160 * time.Millisecond, 320 * time.Millisecond,
}

func (m *manager) Destroy() error {
	leaves := map[string]bool{}
	for _, d := range m.Paths() {
		leaves[d] = true
	}
	dirs := make([]string, 0, len(leaves)+len(m.created))
	for d := range leaves {
		dirs = append(dirs, d)
	}
	for _, d := range m.created {
		if !leaves[d] {
			dirs = append(dirs, d)
		}
	}
	// Deepest first, so a created parent is tried only after the container's dirs below it are gone.
	sort.Slice(dirs, func(i, j int) bool {
		di, dj := strings.Count(dirs[i], "/"), strings.Count(dirs[j], "/")
		if di != dj {
			return di > dj
		}
		return dirs[i] < dirs[j]
	})
	var errs []error
	for _, d := range dirs {
		var err error
		if leaves[d] {
			err = m.removeTree(d)
		} else {
			err = m.removeParent(d)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkCgroupDir guards every rmdir: the directory must be a clean absolute path on a cgroup filesystem,
// so a tampered state file cannot make Destroy remove directories elsewhere. gone reports ENOENT.
func (m *manager) checkCgroupDir(dir string) (gone bool, err error) {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir {
		return false, fmt.Errorf("remove cgroup %q: not a clean absolute path", dir)
	}
	t, err := m.fs.FSType(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	if !isCgroupFS(t) {
		return false, fmt.Errorf("refusing to remove %s: not on a cgroup filesystem (f_type %#x)", dir, t)
	}
	return false, nil
}

// removeTree removes a container's own cgroup, first any child cgroups made inside it (for example by
// a container with a cgroup namespace), retrying while exiting processes keep it busy.
func (m *manager) removeTree(dir string) error {
	gone, err := m.checkCgroupDir(dir)
	if gone || err != nil {
		return err
	}
	// Straight away first: a container's cgroup seldom has children (one that made its
	// own under a cgroup namespace), and listing a cgroupfs directory costs an open and
	// a read of every control file's entry. EBUSY: children, or processes still exiting.
	err = m.fs.Rmdir(dir)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if !errors.Is(err, syscall.EBUSY) {
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	children, err := m.fs.SubDirs(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list cgroup %s: %w", dir, err)
	}
	for _, c := range children {
		if err := m.removeTree(filepath.Join(dir, c)); err != nil {
			return err
		}
	}
	for i := 0; ; i++ {
		err := m.fs.Rmdir(dir)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) || i == len(busyRetries) {
			return fmt.Errorf("remove cgroup %s: %w", dir, err)
		}
		time.Sleep(busyRetries[i])
	}
}

// removeParent removes a parent this manager created, unless another container's cgroup now lives in it.
func (m *manager) removeParent(dir string) error {
	gone, err := m.checkCgroupDir(dir)
	if gone || err != nil {
		return err
	}
	err = m.fs.Rmdir(dir)
	if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.EBUSY) || errors.Is(err, syscall.ENOTEMPTY) {
		return nil
	}
	return fmt.Errorf("remove cgroup parent %s: %w", dir, err)
}
