package cgroups

import (
	"reflect"
	"testing"
)

// A create that dies half-way through Apply: what Planned recorded before is enough for
// Destroy to remove the leaf and the parent it made, and nothing that existed before.
func TestPlannedStateRemovesWhatAHalfDoneApplyMade(t *testing.T) {
	fastRetries(t)
	f := unifiedHost()
	f.mkdirAll(t, "/sys/fs/cgroup/pre")
	m, err := newManager(f, Unified, "/pre/mid/leaf", "id")
	if err != nil {
		t.Fatal(err)
	}
	planned := Planned(m)
	if want := []string{"/sys/fs/cgroup/pre/mid"}; !reflect.DeepEqual(planned.Created, want) {
		t.Fatalf("planned Created %v, want %v", planned.Created, want)
	}
	if want := map[string]string{"": "/sys/fs/cgroup/pre/mid/leaf"}; !reflect.DeepEqual(planned.Paths, want) {
		t.Fatalf("planned Paths %v, want %v", planned.Paths, want)
	}
	if err := m.Apply(42); err != nil {
		t.Fatal(err)
	}
	f.files["/sys/fs/cgroup/pre/mid/leaf/cgroup.procs"] = "" // the process died with the create
	if err := load(f, planned).Destroy(); err != nil {
		t.Fatal(err)
	}
	if f.dirs["/sys/fs/cgroup/pre/mid/leaf"] || f.dirs["/sys/fs/cgroup/pre/mid"] {
		t.Error("what Apply made survived")
	}
	if !f.dirs["/sys/fs/cgroup/pre"] {
		t.Error("a parent that existed before was removed")
	}
	// Nothing made at all: Destroy of the plan is a no-op.
	if err := load(f, planned).Destroy(); err != nil {
		t.Errorf("Destroy of a plan never carried out: %v", err)
	}
}
