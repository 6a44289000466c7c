package cgroups

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// set writes linux.resources into the v1 hierarchies. Only the files for fields that are set are
// written (cgroup setup is on the hot path of every start); a field whose controller is not mounted
// is an error naming the field, while an unmounted controller nobody asked for is no concern.
func (d *v1Driver) set(f fsOps, r *specs.LinuxResources) error {
	if len(r.Unified) > 0 {
		return errors.New("linux.resources.unified: needs cgroup v2, but this host's controllers are cgroup v1")
	}
	steps := []func(fsOps, *specs.LinuxResources) error{
		d.setCpuset, d.setCPU, d.setMemory, d.setBlkio, d.setPids,
		d.setHugetlb, d.setNetwork, d.setRdma, d.setDevices,
	}
	for _, step := range steps {
		if err := step(f, r); err != nil {
			return err
		}
	}
	return nil
}

// ctl is the container's directory in the hierarchy that has controller.
func (d *v1Driver) ctl(f fsOps, controller, field string) (cgDir, error) {
	for _, h := range d.hierarchies {
		if h.has(controller) {
			return cgDir{fs: f, dir: h.dir}, nil
		}
	}
	return cgDir{}, fmt.Errorf("%s: the %s cgroup controller is not available on this host (not mounted as a cgroup v1 hierarchy)", field, controller)
}

func (d *v1Driver) setPids(f fsOps, r *specs.LinuxResources) error {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil
	}
	const field = "linux.resources.pids.limit"
	c, err := d.ctl(f, "pids", field)
	if err != nil {
		return err
	}
	return c.write(field, "pids.max", pidsMax(*r.Pids.Limit))
}

// pidsMax is the pids.max value for linux.resources.pids.limit. runtime-spec (1.3) and
// runc (1.4+) read -1 as no limit and 0 as a limit: no new task. runc writes 1 for it,
// which is the same in a cgroup that always holds the container's init (a fork fails
// either way) and what systemd's TasksMax takes; berth does the same.
func pidsMax(limit int64) string {
	if n := tasksMax(limit); n >= 0 {
		return i64(n)
	}
	return "max"
}

// tasksMax is pidsMax as a number; -1 is no limit.
func tasksMax(limit int64) int64 {
	switch {
	case limit < 0:
		return -1
	case limit == 0:
		return 1
	}
	return limit
}

func (d *v1Driver) setHugetlb(f fsOps, r *specs.LinuxResources) error {
	if len(r.HugepageLimits) == 0 {
		return nil
	}
	c, err := d.ctl(f, "hugetlb", "linux.resources.hugepageLimits")
	if err != nil {
		return err
	}
	for i, l := range r.HugepageLimits {
		field := fmt.Sprintf("linux.resources.hugepageLimits[%d]", i)
		if err := checkPageSize(f, field, l.Pagesize); err != nil {
			return err
		}
		// The reservation limit exists on newer kernels only; it is set alongside, as runc does,
		// so that a reservation cannot exceed what the usage limit allows.
		rsvd := "hugetlb." + l.Pagesize + ".rsvd.limit_in_bytes"
		if err := c.write(field, rsvd, u64(l.Limit)); err != nil && !isMissingFile(err) {
			return err
		}
		if err := c.write(field, "hugetlb."+l.Pagesize+".limit_in_bytes", u64(l.Limit)); err != nil {
			return err
		}
	}
	return nil
}

func (d *v1Driver) setNetwork(f fsOps, r *specs.LinuxResources) error {
	if r.Network == nil {
		return nil
	}
	if r.Network.ClassID != nil {
		const field = "linux.resources.network.classID"
		c, err := d.ctl(f, "net_cls", field)
		if err != nil {
			return err
		}
		if err := c.write(field, "net_cls.classid", u64(uint64(*r.Network.ClassID))); err != nil {
			return err
		}
	}
	if len(r.Network.Priorities) > 0 {
		const field = "linux.resources.network.priorities"
		c, err := d.ctl(f, "net_prio", field)
		if err != nil {
			return err
		}
		for i, p := range r.Network.Priorities {
			if err := c.write(fmt.Sprintf("%s[%d]", field, i), "net_prio.ifpriomap", p.Name+" "+u64(uint64(p.Priority))); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *v1Driver) setRdma(f fsOps, r *specs.LinuxResources) error {
	if len(r.Rdma) == 0 {
		return nil
	}
	c, err := d.ctl(f, "rdma", "linux.resources.rdma")
	if err != nil {
		return err
	}
	for _, line := range rdmaLines(r.Rdma) {
		if err := c.write("linux.resources.rdma."+line.dev, "rdma.max", line.value); err != nil {
			return err
		}
	}
	return nil
}
