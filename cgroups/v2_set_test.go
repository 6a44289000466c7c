package cgroups

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSharesToWeight(t *testing.T) {
	for shares, want := range map[uint64]uint64{0: 0, 1: 1, 2: 1, 1024: 100, 262144: 10000, 1 << 20: 10000} {
		if got := sharesToWeight(shares); got != want {
			t.Errorf("sharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
	prev := uint64(0)
	for s := uint64(2); s <= 262144; s += 97 {
		w := sharesToWeight(s)
		if w < prev || w < 1 || w > 10000 {
			t.Fatalf("not monotonic in range at %d: %d after %d", s, w, prev)
		}
		prev = w
	}
}

func TestSwapV2(t *testing.T) {
	cases := []struct {
		swap, limit, want int64
		err               bool
	}{
		{0, 0, 0, false}, {0, -1, -1, false}, {-1, 100, -1, false}, {300, 100, 200, false},
		{100, 100, 0, false}, {50, 100, 0, true}, {300, 0, 0, true}, {300, -1, 0, true},
	}
	for _, c := range cases {
		got, err := swapV2(c.swap, c.limit)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("swapV2(%d, %d) = %d, %v", c.swap, c.limit, got, err)
		}
	}
}

// appliedUnified is a pure-v2 fake with a container at /berth/c1 offering the usual controllers.
func appliedUnified(t *testing.T) (*fakeFS, *manager) {
	t.Helper()
	f := unifiedHost()
	m, err := newManager(f, Unified, "", "c1")
	if err != nil {
		t.Fatal(err)
	}
	f.files["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu io memory pids"
	f.files["/sys/fs/cgroup/cgroup.subtree_control"] = "cpu memory"
	f.mkdirAll(t, "/sys/fs/cgroup/berth")
	f.files["/sys/fs/cgroup/berth/cgroup.controllers"] = "cpuset cpu io memory pids"
	f.files["/sys/fs/cgroup/berth/cgroup.subtree_control"] = ""
	if err := m.Apply(9); err != nil {
		t.Fatal(err)
	}
	d := "/sys/fs/cgroup/berth/c1/"
	for _, n := range []string{"cgroup.controllers", "cpu.weight", "cpu.max", "memory.max", "memory.swap.max", "memory.low", "pids.max", "io.max", "io.weight", "cpuset.cpus"} {
		f.files[d+n] = ""
	}
	f.files[d+"cgroup.controllers"] = "cpuset cpu io memory pids"
	f.files[d+"cpu.max"] = "max 100000"
	return f, m
}

func TestV2ApplyEnablesControllersInParents(t *testing.T) {
	f, _ := appliedUnified(t)
	want := []string{
		"/sys/fs/cgroup/cgroup.subtree_control=+cpuset +io +pids",
		"/sys/fs/cgroup/berth/cgroup.subtree_control=+cpuset +cpu +io +memory +pids",
		"/sys/fs/cgroup/berth/c1/cgroup.procs=9",
	}
	if !reflect.DeepEqual(f.writes, want) {
		t.Errorf("writes:\n got %q\nwant %q", f.writes, want)
	}
}

func TestV2SetConvertsV1Values(t *testing.T) {
	f, m := appliedUnified(t)
	f.writes = nil
	maj, min := int64(8), int64(0)
	r := &specs.LinuxResources{
		CPU:    &specs.LinuxCPU{Shares: ptr[uint64](1024), Quota: ptr[int64](50000), Cpus: "0"},
		Memory: &specs.LinuxMemory{Limit: ptr[int64](100), Swap: ptr[int64](300), Reservation: ptr[int64](50)},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](-1)},
		BlockIO: &specs.LinuxBlockIO{Weight: ptr[uint16](500), ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{
			{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: maj, Minor: min}, Rate: 1000}}},
		Unified: map[string]string{"memory.max": "200"},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	d := "/sys/fs/cgroup/berth/c1/"
	want := []string{
		d + "cpu.weight=100",
		d + "cpu.max=50000 100000", // period kept from the current value
		d + "cpuset.cpus=0",
		d + "memory.swap.max=200",
		d + "memory.max=100",
		d + "memory.low=50",
		d + "io.weight=4950", // no io.bfq.weight in this fake: 1+(500-10)*9999/990
		d + "io.max=8:0 rbps=1000",
		d + "pids.max=max",
		d + "memory.max=200", // unified last, overriding
	}
	if !reflect.DeepEqual(f.writes, want) {
		t.Errorf("writes:\n got %q\nwant %q", f.writes, want)
	}
}

func TestV2RefusesWhatV2Lacks(t *testing.T) {
	_, m := appliedUnified(t)
	cases := []struct {
		r    *specs.LinuxResources
		want string
	}{
		{&specs.LinuxResources{Unified: map[string]string{"../../etc/x": "1"}}, "not a control file name"},
		{&specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}}, "linux.resources.unified.cgroup.procs"},
		{&specs.LinuxResources{Unified: map[string]string{"hugetlb.2MB.max": "1"}}, "hugetlb controller is not available"},
		{&specs.LinuxResources{Unified: map[string]string{"nodot": "1"}}, "controller.file"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: ptr[int64](5)}}, "realtime"},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: ptr[uint64](10)}}, "swappiness"},
		{&specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr[uint32](1)}}, "net_cls"},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: ptr[int64](10)}}, "needs a memory limit"},
	}
	for _, c := range cases {
		if err := m.Set(c.r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%+v) = %v, want %q", c.r, err, c.want)
		}
	}
}

func TestV2ApplyLeavesBusyParentsAlone(t *testing.T) {
	f := unifiedHost()
	f.files["/sys/fs/cgroup/cgroup.controllers"] = "cpu pids"
	f.files["/sys/fs/cgroup/cgroup.subtree_control"] = "cpu pids"
	for _, d := range []string{"/sys/fs/cgroup/user", "/sys/fs/cgroup/user/session"} {
		f.files[d+"/cgroup.controllers"] = "cpu pids"
		f.files[d+"/cgroup.subtree_control"] = ""
		f.files[d+"/cgroup.type"] = "domain"
		f.files[d+"/cgroup.procs"] = ""
	}
	f.files["/sys/fs/cgroup/user/session/cgroup.procs"] = "77\n" // our own, busy cgroup
	m, err := newManager(f, Unified, "leaf", "id")               // relative: below user/session
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(9); err != nil {
		t.Fatal(err)
	}
	for _, w := range f.writes {
		if strings.HasPrefix(w, "/sys/fs/cgroup/user/session/cgroup.subtree_control") {
			t.Errorf("enabled controllers in a cgroup with processes: %s", w)
		}
	}
	if f.files["/sys/fs/cgroup/user/cgroup.subtree_control"] != "+cpu +pids" {
		t.Errorf("the idle parent should get them: %q", f.files["/sys/fs/cgroup/user/cgroup.subtree_control"])
	}
}
