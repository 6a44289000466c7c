package cgroups

import (
	"errors"
	"fmt"
	"time"
)

// freezeTimeout bounds the wait for every task to reach the frozen state. A task in an
// uninterruptible sleep (e.g. on NFS) can hold it up; past this the freeze is undone and reported.
var freezeTimeout = 10 * time.Second

// freezer is where the container's freeze switch lives: v1's freezer controller when mounted
// (legacy and hybrid hosts, as runc does), otherwise cgroup2's cgroup.freeze.
func (m *manager) freezer() (dir cgDir, v1 bool, err error) {
	if m.v1 != nil {
		for _, h := range m.v1.hierarchies {
			if h.has("freezer") {
				return cgDir{fs: m.fs, dir: h.dir}, true, nil
			}
		}
	}
	if m.v2 != nil {
		return cgDir{fs: m.fs, dir: m.v2.dir}, false, nil
	}
	return cgDir{}, false, errors.New("no freezer: neither the v1 freezer controller nor cgroup v2 is available")
}

func (m *manager) Freeze() error {
	d, v1, err := m.freezer()
	if err != nil {
		return err
	}
	if v1 {
		return freezeV1(d)
	}
	return freezeV2(d)
}

func (m *manager) Thaw() error {
	d, v1, err := m.freezer()
	if err != nil {
		return err
	}
	if v1 {
		return d.write("thaw", "freezer.state", "THAWED")
	}
	return d.write("thaw", "cgroup.freeze", "0")
}

func (m *manager) Frozen() (bool, error) {
	d, v1, err := m.freezer()
	if err != nil {
		return false, nil
	}
	if v1 {
		s, err := d.read("freezer.state")
		if err != nil {
			return false, err
		}
		return s == "FROZEN", nil
	}
	s, err := d.read("cgroup.freeze")
	if err != nil {
		return false, err
	}
	return s == "1", nil
}

// freezeV1 asks for FROZEN and waits until the kernel reports it. A freeze racing with a fork can
// stay FREEZING, so the request is repeated, and after a while undone and redone, which settles it.
func freezeV1(d cgDir) error {
	deadline := time.Now().Add(freezeTimeout)
	for i := 0; ; i++ {
		if i%1000 == 999 {
			if err := d.write("freeze", "freezer.state", "THAWED"); err != nil {
				return err
			}
		}
		if err := d.write("freeze", "freezer.state", "FROZEN"); err != nil {
			return err
		}
		s, err := d.read("freezer.state")
		if err != nil {
			return err
		}
		if s == "FROZEN" {
			return nil
		}
		if time.Now().After(deadline) {
			d.write("freeze", "freezer.state", "THAWED")
			return fmt.Errorf("freeze %s: still %s after %s", d.dir, s, freezeTimeout)
		}
		time.Sleep(backoff(i))
	}
}

// freezeV2 sets cgroup.freeze and waits for cgroup.events to say "frozen 1".
func freezeV2(d cgDir) error {
	if err := d.write("freeze", "cgroup.freeze", "1"); err != nil {
		return err
	}
	deadline := time.Now().Add(freezeTimeout)
	for i := 0; ; i++ {
		ev, err := d.readKeyed("cgroup.events")
		if err != nil {
			return err
		}
		if ev["frozen"] == 1 {
			return nil
		}
		if time.Now().After(deadline) {
			d.write("freeze", "cgroup.freeze", "0")
			return fmt.Errorf("freeze %s: not frozen after %s", d.dir, freezeTimeout)
		}
		time.Sleep(backoff(i))
	}
}

// backoff grows from 100µs to 10ms: most freezes finish at once, a few need a while.
func backoff(i int) time.Duration {
	d := 100 * time.Microsecond << min(i, 7)
	return min(d, 10*time.Millisecond)
}
