package cgroups

import (
	"context"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestResourceProperties(t *testing.T) {
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr[int64](1 << 26), Swap: ptr[int64](1 << 27)},
		CPU:    &specs.LinuxCPU{Shares: ptr[uint64](1024), Quota: ptr[int64](25000), Period: ptr[uint64](100000), Cpus: "0-2,9"},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](-1)},
	}
	props, err := resourceProperties(r)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, p := range props {
		got[p.Name] = p.Value.Value()
	}
	want := map[string]any{
		"MemoryMax": uint64(1 << 26), "MemorySwapMax": uint64(1 << 26), "CPUWeight": uint64(100),
		"CPUQuotaPeriodUSec": uint64(100000), "CPUQuotaPerSecUSec": uint64(250000),
		"AllowedCPUs": []byte{0x07, 0x02}, "TasksMax": uint64(math.MaxUint64),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if q := quotaPerSec(33333, 100000); q != 340000 {
		t.Errorf("quota rounds up to 10ms: %d", q)
	}
	if _, err := cpuMask("3-1"); err == nil {
		t.Error("bad cpu list accepted")
	}
}

func TestUnitPropertiesFromAnnotations(t *testing.T) {
	props, err := unitPropertiesFromAnnotations(map[string]string{
		"org.systemd.property.TimeoutStopSec": "uint64 7",
		"org.systemd.property.CollectMode":    "'inactive-or-failed'",
		"other":                               "ignored",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(props) != 2 || props[0].Name != "CollectMode" || props[0].Value.Value() != "inactive-or-failed" ||
		props[1].Name != "TimeoutStopUSec" || props[1].Value.Value() != uint64(7000000) {
		t.Errorf("props = %v", props)
	}
	for _, bad := range []map[string]string{
		{"org.systemd.property.Bad.Name": "1"},
		{"org.systemd.property.TimeoutStopSec": "'soon'"},
		{"org.systemd.property.X": "not a variant ("},
	} {
		if _, err := unitPropertiesFromAnnotations(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestSystemdScope drives a real systemd (the VM lane's systemd boot): a transient scope with
// Delegate=yes, limits as properties and files, annotations, and removal.
func TestSystemdScope(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/run/systemd/system"); err != nil || DetectMode() != Unified {
		t.Skip("needs systemd as init on a pure cgroup v2 host")
	}
	name := fmt.Sprintf("t%d", time.Now().UnixNano())
	m, err := NewWithOptions(Options{Systemd: true, CgroupsPath: "berthtest.slice:berth:" + name, ID: name, Annotations: map[string]string{
		"org.systemd.property.TimeoutStopSec": "uint64 7",
	}})
	if err != nil {
		t.Fatal(err)
	}
	sleeper := startSleeper(t)
	if err := m.Apply(sleeper.Process.Pid); err != nil {
		t.Fatal(err)
	}
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			m.Destroy()
		}
	})
	dir := m.Paths()[""]
	if dir != "/sys/fs/cgroup/berthtest.slice/berth-"+name+".scope" {
		t.Errorf("dir = %s", dir)
	}
	if got := procCgroupOf(t, sleeper.Process.Pid)[""]; !strings.HasSuffix(dir, got) {
		t.Errorf("sleeper in %s, want %s", got, dir)
	}
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr[int64](1 << 26)},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](30)},
		CPU:    &specs.LinuxCPU{Quota: ptr[int64](50000), Period: ptr[uint64](100000)},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"memory.max": "67108864", "pids.max": "30", "cpu.max": "50000 100000"} {
		b, err := os.ReadFile(dir + "/" + file)
		if err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s = %q, %v; want %s", file, b, err, want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := systemInstance().connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	unit := "berth-" + name + ".scope"
	for prop, want := range map[string]any{"MemoryMax": uint64(1 << 26), "TasksMax": uint64(30), "Delegate": true, "TimeoutStopUSec": uint64(7000000)} {
		p, err := conn.GetUnitTypePropertyContext(ctx, unit, "Scope", prop)
		if err != nil {
			t.Errorf("%s: %v", prop, err)
			continue
		}
		if p.Value.Value() != want {
			t.Errorf("%s = %v, want %v", prop, p.Value.Value(), want)
		}
	}
	// A later process (delete) finds the unit through the saved state.
	loaded := Load(m.State())
	if pids, err := loaded.Pids(); err != nil || len(pids) != 1 {
		t.Errorf("Pids = %v, %v", pids, err)
	}
	if err := loaded.Destroy(); err != nil {
		t.Fatal(err)
	}
	destroyed = true
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there after Destroy: %v", dir, err)
	}
	p, err := conn.GetUnitPropertyContext(ctx, unit, "LoadState")
	if err == nil && p.Value.Value() == "loaded" {
		if a, _ := conn.GetUnitPropertyContext(ctx, unit, "ActiveState"); a != nil && a.Value.Value() == "active" {
			t.Errorf("unit %s still active", unit)
		}
	}
}

func TestHostUID(t *testing.T) {
	f := t.TempDir() + "/uid_map"
	if err := os.WriteFile(f, []byte("         0       1000          1\n         1     100000      65536\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for uid, want := range map[int]int{0: 1000, 1: 100000, 70: 100069, 65536: 165535, 65537: 65537} {
		if got := hostUID(uid, f); got != want {
			t.Errorf("hostUID(%d) = %d, want %d", uid, got, want)
		}
	}
	if got := hostUID(5, t.TempDir()+"/missing"); got != 5 {
		t.Errorf("no map: %d", got)
	}
}
