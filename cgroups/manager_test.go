package cgroups

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fastRetries makes EBUSY retries instant for a fake-tree test.
func fastRetries(t *testing.T) {
	saved := busyRetries
	busyRetries = []time.Duration{0, 0, 0}
	t.Cleanup(func() { busyRetries = saved })
}

func TestV2ApplyTracksCreatedParentsAndDestroyKeepsPreexisting(t *testing.T) {
	fastRetries(t)
	f := unifiedHost()
	f.mkdirAll(t, "/sys/fs/cgroup/pre")
	m, err := newManager(f, Unified, "/pre/mid/leaf", "id")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Paths(); !reflect.DeepEqual(got, map[string]string{"": "/sys/fs/cgroup/pre/mid/leaf"}) {
		t.Fatalf("Paths: %v", got)
	}
	if f.dirs["/sys/fs/cgroup/pre/mid"] {
		t.Fatal("New touched the filesystem")
	}
	if err := m.Apply(42); err != nil {
		t.Fatal(err)
	}
	if got := f.writes; !reflect.DeepEqual(got, []string{"/sys/fs/cgroup/pre/mid/leaf/cgroup.procs=42"}) {
		t.Errorf("writes: %v", got)
	}
	if got := m.State().Created; !reflect.DeepEqual(got, []string{"/sys/fs/cgroup/pre/mid"}) {
		t.Errorf("Created: %v, want only the parent Apply made", got)
	}
	if pids, err := m.Pids(); err != nil || !reflect.DeepEqual(pids, []int{42}) {
		t.Errorf("Pids: %v, %v", pids, err)
	}

	// A later process: the state goes through JSON, the pid exits, then delete.
	raw, err := json.Marshal(m.State())
	if err != nil {
		t.Fatal(err)
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	loaded := load(f, s)
	if err := loaded.Destroy(); err == nil {
		t.Fatal("Destroy with a live process: want an error after retries")
	}
	f.files["/sys/fs/cgroup/pre/mid/leaf/cgroup.procs"] = ""
	if err := loaded.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"/sys/fs/cgroup/pre/mid/leaf", "/sys/fs/cgroup/pre/mid"} {
		if f.dirs[d] {
			t.Errorf("%s survived Destroy", d)
		}
	}
	if !f.dirs["/sys/fs/cgroup/pre"] {
		t.Error("pre-existing parent was removed")
	}
	if err := loaded.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
	if pids, err := loaded.Pids(); err != nil || len(pids) != 0 {
		t.Errorf("Pids after Destroy: %v, %v", pids, err)
	}
}

func TestV2RelativeAndDefault(t *testing.T) {
	f := unifiedHost()
	m, err := newManager(f, Unified, "ctr", "id")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Paths()[""]; got != "/sys/fs/cgroup/user/session/ctr" {
		t.Errorf("relative: %s", got)
	}
	if err := m.Apply(7); err != nil {
		t.Fatal(err)
	}
	if len(m.created) != 0 {
		t.Errorf("own cgroup counted as created: %v", m.created)
	}
	m, err = newManager(f, Unified, "", "id")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Paths()[""]; got != "/sys/fs/cgroup/berth/id" {
		t.Errorf("default: %s", got)
	}
}

// Where the parents exist (a second container), each cgroup costs one mkdir: the leaf's.
func TestApplyMakesTheLeafFirst(t *testing.T) {
	fastRetries(t)
	f := hybridHost()
	for i, id := range []string{"c1", "c2"} {
		m, err := newManager(f, Hybrid, "", id)
		if err != nil {
			t.Fatal(err)
		}
		f.mkdirs = 0
		if err := m.Apply(99); err != nil {
			t.Fatal(err)
		}
		// The first: a failed leaf, then /berth and the leaf, in 10 hierarchies.
		want, wantCreated := 30, 10
		if i == 1 {
			want, wantCreated = 10, 0
		}
		if f.mkdirs != want || len(m.created) != wantCreated {
			t.Errorf("%s: %d mkdirs and %d parents created, want %d and %d", id, f.mkdirs, len(m.created), want, wantCreated)
		}
	}
}

func TestHybridApplyPlacesInEveryHierarchy(t *testing.T) {
	fastRetries(t)
	f := hybridHost()
	m, err := newManager(f, Hybrid, "", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(99); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, d := range m.Paths() {
		dirs[d] = true
	}
	if len(dirs) != 10 {
		t.Errorf("want 10 distinct dirs (9 v1 + unified), got %d", len(dirs))
	}
	for d := range dirs {
		if got := f.files[d+"/cgroup.procs"]; got != "99\n" {
			t.Errorf("%s/cgroup.procs = %q", d, got)
		}
	}
	if len(m.created) != 10 {
		t.Errorf("want /berth created in 10 hierarchies, got %v", m.created)
	}
	f.busy["/sys/fs/cgroup/memory/berth/c1"] = 2 // exiting process: EBUSY twice, then gone
	for d := range dirs {
		f.files[d+"/cgroup.procs"] = ""
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for d := range f.dirs {
		if strings.Contains(d, "/berth") {
			t.Errorf("%s survived Destroy", d)
		}
	}
}

func TestCpusetInheritsNearestNonEmptyAncestor(t *testing.T) {
	f := hybridHost()
	f.mkdirAll(t, "/sys/fs/cgroup/cpuset/narrow")
	f.files["/sys/fs/cgroup/cpuset/narrow/cpuset.cpus"] = "1\n"
	f.files["/sys/fs/cgroup/cpuset/narrow/cpuset.mems"] = "0\n"
	f.mkdirAll(t, "/sys/fs/cgroup/cpuset/narrow/empty") // pre-existing but never filled
	m, err := newManager(f, Legacy, "/narrow/empty/new/leaf", "id")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(5); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"narrow/empty", "narrow/empty/new", "narrow/empty/new/leaf"} {
		p := "/sys/fs/cgroup/cpuset/" + d
		if got := f.files[p+"/cpuset.cpus"]; got != "1" {
			t.Errorf("%s cpuset.cpus = %q, want \"1\"", d, got)
		}
		if got := f.files[p+"/cpuset.mems"]; got != "0" {
			t.Errorf("%s cpuset.mems = %q, want \"0\"", d, got)
		}
	}
	if got := f.files["/sys/fs/cgroup/cpuset/narrow/empty/new/leaf/cgroup.procs"]; got != "5\n" {
		t.Errorf("leaf cgroup.procs = %q", got)
	}
	// Nothing but cpuset dirs gets cpuset files written.
	for _, w := range f.writes {
		if strings.Contains(w, "cpuset.") && !strings.HasPrefix(w, "/sys/fs/cgroup/cpuset/") {
			t.Errorf("cpuset write outside the cpuset hierarchy: %s", w)
		}
	}
}

func TestCpusetWithoutInheritanceWouldFail(t *testing.T) {
	// Guards the fake itself: without copying, the write to cgroup.procs is refused like the kernel does.
	f := hybridHost()
	f.mkdirAll(t, "/sys/fs/cgroup/cpuset/x")
	if err := f.WriteFile("/sys/fs/cgroup/cpuset/x/cgroup.procs", []byte("1")); err == nil {
		t.Fatal("fake accepted a task in a cpuset cgroup with empty cpus")
	}
}

func TestCpusetEmptyEverywhereIsAnError(t *testing.T) {
	f := hybridHost()
	f.files["/sys/fs/cgroup/cpuset/cpuset.cpus"] = ""
	m, err := newManager(f, Legacy, "/c", "id")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(5); err == nil || !strings.Contains(err.Error(), "cpuset.cpus") {
		t.Errorf("got %v, want an error naming cpuset.cpus", err)
	}
}

func TestSharedCreatedParentOutlivesFirstContainer(t *testing.T) {
	f := unifiedHost()
	a, _ := newManager(f, Unified, "", "a")
	b, _ := newManager(f, Unified, "", "b")
	if err := a.Apply(1); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(2); err != nil {
		t.Fatal(err)
	}
	if len(a.created) != 1 || len(b.created) != 0 {
		t.Fatalf("created: a=%v b=%v", a.created, b.created)
	}
	f.files["/sys/fs/cgroup/berth/a/cgroup.procs"] = ""
	if err := a.Destroy(); err != nil {
		t.Fatalf("Destroy a while b still uses /berth: %v", err)
	}
	if f.dirs["/sys/fs/cgroup/berth/a"] || !f.dirs["/sys/fs/cgroup/berth/b"] {
		t.Fatal("wrong dirs removed")
	}
	f.files["/sys/fs/cgroup/berth/b/cgroup.procs"] = ""
	if err := b.Destroy(); err != nil {
		t.Fatal(err)
	}
	if f.dirs["/sys/fs/cgroup/berth/b"] || !f.dirs["/sys/fs/cgroup/berth"] {
		t.Error("b must remove its leaf but not /berth, which it did not create")
	}
}

func TestDestroyRemovesNestedChildCgroups(t *testing.T) {
	f := unifiedHost()
	m, _ := newManager(f, Unified, "/c", "id")
	if err := m.Apply(3); err != nil {
		t.Fatal(err)
	}
	f.files["/sys/fs/cgroup/c/cgroup.procs"] = ""
	f.mkdirAll(t, "/sys/fs/cgroup/c/inner/deeper")
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for d := range f.dirs {
		if strings.HasPrefix(d, "/sys/fs/cgroup/c") {
			t.Errorf("%s survived", d)
		}
	}
}

func TestDestroyRefusesNonCgroupPaths(t *testing.T) {
	f := unifiedHost()
	f.dirs["/etc"] = true
	f.dirs["/etc/empty"] = true
	m := load(f, State{Paths: map[string]string{"": "/etc/empty"}, Created: []string{"/etc"}})
	if err := m.Destroy(); err == nil {
		t.Error("Destroy of a non-cgroup path: want an error")
	}
	if !f.dirs["/etc/empty"] || !f.dirs["/etc"] {
		t.Error("non-cgroup dir removed")
	}
	m = load(f, State{Paths: map[string]string{"": "/sys/fs/cgroup/user/../../../etc/empty"}})
	if err := m.Destroy(); err == nil {
		t.Error("Destroy of an unclean path: want an error")
	}
}

func TestPidsPrefersPidsHierarchy(t *testing.T) {
	f := hybridHost()
	f.mkdirAll(t, "/sys/fs/cgroup/pids/c")
	f.mkdirAll(t, "/sys/fs/cgroup/blkio/c")
	f.files["/sys/fs/cgroup/pids/c/cgroup.procs"] = "10\n11\n"
	f.files["/sys/fs/cgroup/blkio/c/cgroup.procs"] = "99\n"
	m := load(f, State{Paths: map[string]string{"blkio": "/sys/fs/cgroup/blkio/c", "pids": "/sys/fs/cgroup/pids/c"}})
	if got, err := m.Pids(); err != nil || !reflect.DeepEqual(got, []int{10, 11}) {
		t.Errorf("Pids: %v, %v", got, err)
	}
	m = load(f, State{Paths: map[string]string{"blkio": "/sys/fs/cgroup/blkio/c", "": "/sys/fs/cgroup/unified/c"}})
	if got, err := m.Pids(); err != nil || !reflect.DeepEqual(got, []int{99}) {
		t.Errorf("Pids without pids/devices/freezer: %v, %v", got, err)
	}
}

func TestLoadedManagerCannotApply(t *testing.T) {
	f := hybridHost()
	m := load(f, State{Paths: map[string]string{"cpu": "/sys/fs/cgroup/cpu/x", "cpuacct": "/sys/fs/cgroup/cpu/x"}})
	if err := m.Apply(1); err == nil {
		t.Error("Apply on a loaded manager: want an error")
	}
	if n := len(m.v1.hierarchies); n != 1 {
		t.Errorf("co-mounted controllers loaded as %d hierarchies, want 1", n)
	}
	if err := load(f, State{}).Apply(1); err == nil {
		t.Error("Apply with no paths: want an error")
	}
}

func TestStateJSONShape(t *testing.T) {
	raw, err := json.Marshal(State{Paths: map[string]string{"": "/sys/fs/cgroup/x"}, Created: []string{"/p"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(raw), `{"paths":{"":"/sys/fs/cgroup/x"},"created":["/p"]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// systemd removes an emptied scope's v1 directories while delete still polls them: reads of a
// removed-but-open cgroup give ENODEV, which means "no processes left", not a failure.
func TestPidsOfDyingCgroupIsEmpty(t *testing.T) {
	f := hybridHost()
	f.mkdirAll(t, "/sys/fs/cgroup/pids/c")
	f.files["/sys/fs/cgroup/pids/c/cgroup.procs"] = "10\n"
	m := load(f, State{Paths: map[string]string{"pids": "/sys/fs/cgroup/pids/c"}})
	f.dying["/sys/fs/cgroup/pids/c"] = true
	if got, err := m.Pids(); err != nil || len(got) != 0 {
		t.Errorf("Pids of a dying cgroup: %v, %v; want none, no error", got, err)
	}
	delete(f.dying, "/sys/fs/cgroup/pids/c")
	f.files["/sys/fs/cgroup/pids/c/cgroup.procs"] = "x\n"
	if _, err := m.Pids(); err == nil || !strings.Contains(err.Error(), "/sys/fs/cgroup/pids/c") {
		t.Errorf("Pids of a bad cgroup.procs: %v, want an error naming the cgroup", err)
	}
}
