package cgroups

import (
	"reflect"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func ptr[T any](v T) *T { return &v }

// appliedHybrid is a hybrid fake host with a container applied at /berth/c1 and the given control
// files present (with their initial contents) in every v1 hierarchy that has the controller.
func appliedHybrid(t *testing.T, files map[string]string) (*fakeFS, *manager) {
	t.Helper()
	f := hybridHost()
	m, err := newManager(f, Hybrid, "", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(7); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		ctrl := strings.SplitN(name, ".", 2)[0]
		f.files["/sys/fs/cgroup/"+ctrl+"/berth/c1/"+name] = content
	}
	f.writes = nil
	return f, m
}

func TestV1SetWritesOnlyAskedFiles(t *testing.T) {
	f, m := appliedHybrid(t, map[string]string{
		"memory.limit_in_bytes": "9223372036854771712", "memory.memsw.limit_in_bytes": "", "memory.swappiness": "",
		"pids.max": "", "cpu.shares": "", "cpu.cfs_quota_us": "", "cpu.cfs_period_us": "",
	})
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr[int64](1 << 26), Swap: ptr[int64](1 << 27)},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](5)},
		CPU:    &specs.LinuxCPU{Quota: ptr[int64](20000), Period: ptr[uint64](100000)},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	d := "/sys/fs/cgroup/"
	want := []string{
		// memsw first: the new memsw is above the current memory limit.
		d + "memory/berth/c1/memory.memsw.limit_in_bytes=134217728",
		d + "memory/berth/c1/memory.limit_in_bytes=67108864",
		d + "cpu/berth/c1/cpu.cfs_period_us=100000",
		d + "cpu/berth/c1/cpu.cfs_quota_us=20000",
		d + "pids/berth/c1/pids.max=5",
	}
	got := append([]string(nil), f.writes...)
	sortStrings(got)
	sortStrings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("writes:\n got %q\nwant %q", got, want)
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestV1MemoryLoweringWritesLimitFirst(t *testing.T) {
	f, m := appliedHybrid(t, map[string]string{"memory.limit_in_bytes": "268435456", "memory.memsw.limit_in_bytes": "536870912"})
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](1 << 26), Swap: ptr[int64](1 << 27)}}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	if len(f.writes) != 2 || !strings.Contains(f.writes[0], "memory.limit_in_bytes=67108864") {
		t.Errorf("writes %q: the memory limit must go first when lowering", f.writes)
	}
}

func TestV1MissingControllerOrFileIsAClearError(t *testing.T) {
	_, m := appliedHybrid(t, nil)
	cases := []struct {
		r    *specs.LinuxResources
		want string
	}{
		{&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1}}}, "linux.resources.hugepageLimits: the hugetlb cgroup controller is not available"},
		{&specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr[uint32](1)}}, "linux.resources.network.classID: the net_cls cgroup controller"},
		{&specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx": {}}}, "linux.resources.rdma: the rdma cgroup controller"},
		// pids is mounted, but this fake's kernel has no pids.max.
		{&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](3)}}, "linux.resources.pids.limit: this host's cgroup has no pids.max"},
		{&specs.LinuxResources{Unified: map[string]string{"pids.max": "3"}}, "linux.resources.unified: needs cgroup v2"},
	}
	for _, c := range cases {
		err := m.Set(c.r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%+v) = %v, want %q", c.r, err, c.want)
		}
	}
	// Nothing asked: nothing checked, nothing written.
	if err := m.Set(&specs.LinuxResources{}); err != nil {
		t.Errorf("empty resources: %v", err)
	}
}

func TestV1DeviceWrites(t *testing.T) {
	m1, m3 := int64(1), int64(3)
	rules := []specs.LinuxDeviceCgroup{
		{Allow: true, Type: "c", Major: &m1, Minor: &m3, Access: "rwm"},
		{Allow: false, Type: "a", Access: "rwm"}, // resets: the rule before it is dead
		{Allow: true, Type: "c", Major: &m1, Access: "r"},
		{Allow: true, Type: "a", Access: "m"},
	}
	got := v1DeviceWrites(rules)
	want := []fileWrite{
		{"linux.resources.devices[1]", "devices.deny", "a"},
		{"linux.resources.devices[2]", "devices.allow", "c 1:* r"},
		{"linux.resources.devices[3]", "devices.allow", "c *:* m"},
		{"linux.resources.devices[3]", "devices.allow", "b *:* m"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// Without a reset rule, deny-all comes first.
	got = v1DeviceWrites(rules[:1])
	if len(got) != 2 || got[0].value != "a" || got[0].file != "devices.deny" || got[1].value != "c 1:3 rwm" {
		t.Errorf("default deny missing: %+v", got)
	}
}

// cfsFS refuses a quota above 50000 until the period is 200000, like a parent's limit would.
type cfsFS struct {
	*fakeFS
	period string
}

func (c *cfsFS) WriteFile(p string, data []byte) error {
	if strings.HasSuffix(p, "cpu.cfs_period_us") {
		c.period = string(data)
	}
	if strings.HasSuffix(p, "cpu.cfs_quota_us") && string(data) == "80000" && c.period != "200000" {
		return perr("write", p, syscall.EINVAL)
	}
	return c.fakeFS.WriteFile(p, data)
}

func TestCFSRetriesRefusedWrites(t *testing.T) {
	f := newFakeFS()
	f.dirs["/cg"] = true
	for _, n := range []string{"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us"} {
		f.files["/cg/"+n] = ""
	}
	c := &cfsFS{fakeFS: f}
	cpu := &specs.LinuxCPU{Quota: ptr[int64](80000), Period: ptr[uint64](200000)}
	if err := setCFS(cgDir{fs: c, dir: "/cg"}, cpu); err != nil {
		t.Fatal(err)
	}
	if f.files["/cg/cpu.cfs_quota_us"] != "80000" {
		t.Errorf("quota not written: %v", f.writes)
	}
	// A write that can never succeed is reported, not looped on.
	cpu = &specs.LinuxCPU{Quota: ptr[int64](80000), Period: ptr[uint64](100000)}
	if err := setCFS(cgDir{fs: c, dir: "/cg"}, cpu); err == nil || !strings.Contains(err.Error(), "linux.resources.cpu.quota") {
		t.Errorf("want a quota error, got %v", err)
	}
}

func TestPageSizeNames(t *testing.T) {
	for in, want := range map[uint64]string{2 << 20: "2MB", 1 << 30: "1GB", 64 << 10: "64KB", 32 << 20: "32MB"} {
		if got := pageSizeName(in); got != want {
			t.Errorf("pageSizeName(%d) = %s, want %s", in, got, want)
		}
	}
}

func TestRdmaLines(t *testing.T) {
	got := rdmaLines(map[string]specs.LinuxRdma{"mlx5_1": {HcaObjects: ptr[uint32](9)}, "mlx5_0": {HcaHandles: ptr[uint32](3)}})
	want := []rdmaLine{{"mlx5_0", "mlx5_0 hca_handle=3 hca_object=max"}, {"mlx5_1", "mlx5_1 hca_handle=max hca_object=9"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
}

func TestV1FreezeAndStatus(t *testing.T) {
	f, m := appliedHybrid(t, map[string]string{"freezer.state": "THAWED"})
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if frozen, err := m.Frozen(); err != nil || !frozen {
		t.Errorf("Frozen = %v, %v after Freeze", frozen, err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if frozen, _ := m.Frozen(); frozen {
		t.Error("still frozen after Thaw")
	}
	if f.files["/sys/fs/cgroup/freezer/berth/c1/freezer.state"] != "THAWED" {
		t.Errorf("freezer.state = %q", f.files["/sys/fs/cgroup/freezer/berth/c1/freezer.state"])
	}
}

// runtime-spec 1.3 / runc 1.4+: -1 is no limit, 0 a limit (runc writes 1: no new task).
func TestPidsMax(t *testing.T) {
	for limit, want := range map[int64]string{-1: "max", -5: "max", 0: "1", 1: "1", 40: "40"} {
		if got := pidsMax(limit); got != want {
			t.Errorf("pidsMax(%d) = %q, want %q", limit, got, want)
		}
	}
}

// An idle cgroup takes no weight: idle 0 goes before cpu.shares, idle 1 after it, so both
// "stop being idle and take shares" and "take shares and become idle" work.
func TestCPUIdleOrderAroundShares(t *testing.T) {
	f, m := appliedHybrid(t, map[string]string{"cpu.shares": "1024", "cpu.idle": "1"})
	idle := func(v int64) *specs.LinuxResources {
		return &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: ptr[uint64](512), Idle: ptr(v)}}
	}
	if err := m.Set(idle(0)); err != nil {
		t.Fatalf("idle 0 with shares on an idle cgroup: %v", err)
	}
	d := "/sys/fs/cgroup/cpu/berth/c1/"
	if want := []string{d + "cpu.idle=0", d + "cpu.shares=512"}; !reflect.DeepEqual(f.writes, want) {
		t.Errorf("writes %q, want %q", f.writes, want)
	}
	f.writes = nil
	if err := m.Set(idle(1)); err != nil {
		t.Fatalf("idle 1 with shares: %v", err)
	}
	if want := []string{d + "cpu.shares=512", d + "cpu.idle=1"}; !reflect.DeepEqual(f.writes, want) {
		t.Errorf("writes %q, want %q", f.writes, want)
	}
}
