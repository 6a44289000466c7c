package cgroups

import (
	"math"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// On a hybrid host the scope is the unit's path in every hierarchy, the cgroup2 tracking
// tree included; limits go to v1.
func TestLegacySystemdManagerDirs(t *testing.T) {
	f := hybridHost()
	m, err := newSystemdManager(f, Hybrid, Options{CgroupsPath: "system.slice:berth:c1", ID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if !m.legacy() || m.unit != "berth-c1.scope" || m.cgroup != "/system.slice/berth-c1.scope" {
		t.Fatalf("manager %+v", m)
	}
	paths := m.Paths()
	for _, c := range []string{"cpu", "cpuset", "memory", "devices", "freezer", "pids", "name=systemd"} {
		if want := "/sys/fs/cgroup/" + map[string]string{"name=systemd": "systemd"}[c]; want == "/sys/fs/cgroup/" {
			if paths[c] != "/sys/fs/cgroup/"+c+"/system.slice/berth-c1.scope" {
				t.Errorf("%s: %q", c, paths[c])
			}
		} else if paths[c] != want+"/system.slice/berth-c1.scope" {
			t.Errorf("%s: %q", c, paths[c])
		}
	}
	if paths[""] != "/sys/fs/cgroup/unified/system.slice/berth-c1.scope" {
		t.Errorf("cgroup2: %q", paths[""])
	}
	// systemd made the unit's directories in the hierarchies it manages; berth makes the
	// others and joins them all.
	for _, d := range []string{"systemd", "cpu", "cpuacct", "memory", "devices", "blkio", "pids", "unified"} {
		f.dirs["/sys/fs/cgroup/"+d+"/system.slice"] = true
		f.dirs["/sys/fs/cgroup/"+d+"/system.slice/berth-c1.scope"] = true
		f.files["/sys/fs/cgroup/"+d+"/system.slice/berth-c1.scope/cgroup.procs"] = "42\n"
	}
	if err := m.legacyApply("/system.slice/berth-c1.scope", 42); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"cpuset", "freezer"} {
		if !f.dirs["/sys/fs/cgroup/"+d+"/system.slice/berth-c1.scope"] {
			t.Errorf("%s: the scope's directory was not made", d)
		}
	}
	if got := f.files["/sys/fs/cgroup/freezer/system.slice/berth-c1.scope/cgroup.procs"]; got != "42\n" {
		t.Errorf("freezer procs %q", got)
	}
	// A rootless container has no systemd v1 driver.
	if _, err := newSystemdManager(f, Hybrid, Options{CgroupsPath: ":berth:c2", ID: "c2", Rootless: true}); err == nil {
		t.Error("rootless systemd on v1 accepted")
	}
}

func TestResourcePropertiesV1(t *testing.T) {
	props := resourcePropertiesV1(&specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: ptr[int64](1 << 26)},
		CPU:     &specs.LinuxCPU{Shares: ptr[uint64](512), Quota: ptr[int64](25000)},
		Pids:    &specs.LinuxPids{Limit: ptr[int64](0)},
		BlockIO: &specs.LinuxBlockIO{Weight: ptr[uint16](300)},
	})
	got := map[string]any{}
	for _, p := range props {
		got[p.Name] = p.Value.Value()
	}
	want := map[string]any{"MemoryLimit": uint64(1 << 26), "CPUShares": uint64(512), "CPUQuotaPerSecUSec": uint64(250000),
		"TasksMax": uint64(1), "BlockIOWeight": uint64(300)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if p := resourcePropertiesV1(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](-1)}}); p[0].Value.Value() != uint64(math.MaxUint64) {
		t.Errorf("no pids limit: %v", p)
	}
}

func TestDeviceProperties(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	rules := []specs.LinuxDeviceCgroup{
		{Allow: false, Type: "a", Access: "rwm"},
		{Allow: true, Type: "c", Access: "m"},
		{Allow: true, Type: "c", Major: i(1), Minor: i(3), Access: "rwm"},
		{Allow: true, Type: "c", Major: i(136), Access: "rw"},
		{Allow: true, Type: "b", Minor: i(0), Access: "r"}, // "*:0": no systemd spelling
		{Allow: true, Type: "c", Major: i(10), Access: "rwm"},
		{Allow: false, Type: "c", Major: i(10), Minor: i(200), Access: "rw"}, // narrows char-10, not char-* m
	}
	props := deviceProperties(rules)
	if len(props) != 3 || props[0].Value.Value() != "strict" || !reflect.DeepEqual(props[1].Value.Value(), []deviceAllowEntry{}) {
		t.Fatalf("props %v", props)
	}
	want := []deviceAllowEntry{{"char-*", "m"}, {"/dev/char/1:3", "rwm"}, {"char-136", "rw"}}
	if got := props[2].Value.Value(); !reflect.DeepEqual(got, want) {
		t.Errorf("DeviceAllow %v, want %v", got, want)
	}
	all := deviceProperties([]specs.LinuxDeviceCgroup{{Allow: false, Type: "a"}, {Allow: true, Type: "a", Access: "rwm"}})
	if all[0].Value.Value() != "auto" {
		t.Errorf("allow-all: %v", all)
	}
	if deviceProperties(nil) != nil {
		t.Error("no rules, yet properties")
	}
}
