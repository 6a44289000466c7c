package libcontainer

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// LoadSummary gives state, list, start, kill and delete everything of State they use; of
// the configuration, only the annotations, hooks, cgroups path and Intel RDT group.
func TestLoadSummary(t *testing.T) {
	s := Store{Root: t.TempDir()}
	want := &State{
		ID: "c1", Bundle: "/b", Rootfs: "/b/rootfs", Created: time.Date(2026, 12, 6, 1, 2, 3, 4, time.UTC),
		Owner: "root", InitPid: 42, InitStartTime: 4242,
		Config: &configs.Config{Hostname: "h", Annotations: map[string]string{"a": "1", "b": "2"},
			Hooks:       &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/true", Args: []string{"true"}}}},
			CgroupsPath: "/p/c1", IntelRdt: &specs.LinuxIntelRdt{ClosID: "g"}},
		Cgroup: cgroups.State{Paths: map[string]string{"memory": "/sys/fs/cgroup/memory/c1"}, Created: []string{"/sys/fs/cgroup/memory/p"}},
	}
	if err := os.MkdirAll(filepath.Join(s.Root, want.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(want); err != nil {
		t.Fatal(err)
	}
	full, err := s.Load(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadSummary(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantConfig := &configs.Config{Annotations: want.Config.Annotations, Hooks: want.Config.Hooks,
		CgroupsPath: want.Config.CgroupsPath, IntelRdt: want.Config.IntelRdt}
	if !reflect.DeepEqual(got.Config, wantConfig) {
		t.Errorf("summary config %+v, want %+v", got.Config, wantConfig)
	}
	got.Config, full.Config = nil, nil
	if !reflect.DeepEqual(got, full) {
		t.Errorf("summary %+v\nfull    %+v", got, full)
	}
	if _, err := s.LoadSummary("nosuch"); err == nil || err.Error() != `container "nosuch" does not exist` {
		t.Errorf("missing container: %v", err)
	}
}
