package cgroups

import (
	"strings"
	"testing"
)

func TestPreflightAcceptsNewAndEmptyCgroups(t *testing.T) {
	f := hybridHost()
	m, err := newManager(f, Hybrid, "/pod/ctr", "id")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Preflight(); err != nil {
		t.Fatalf("nothing exists yet: %v", err)
	}
	f.mkdirAll(t, "/sys/fs/cgroup/pids/pod/ctr")
	if err := m.Preflight(); err != nil {
		t.Fatalf("an empty existing cgroup: %v", err)
	}
	if len(f.writes) != 0 {
		t.Errorf("Preflight wrote %v", f.writes)
	}
}

func TestPreflightRefusesACgroupWithProcesses(t *testing.T) {
	f := unifiedHost()
	f.mkdirAll(t, "/sys/fs/cgroup/pod/ctr/sub")
	f.files["/sys/fs/cgroup/pod/ctr/sub/cgroup.procs"] = "7\n8\n"
	m, err := newManager(f, Unified, "/pod/ctr", "id")
	if err != nil {
		t.Fatal(err)
	}
	err = m.Preflight()
	if err == nil || !strings.Contains(err.Error(), "container's cgroup is not empty: 2 process(es) found in /sys/fs/cgroup/pod/ctr") {
		t.Fatalf("got %v", err)
	}
}

func TestPreflightRefusesFrozenCgroupsAndParents(t *testing.T) {
	for _, tc := range []struct {
		name, frozen string // frozen: the directory the test freezes
		v2           bool
	}{
		{"v1 own", "/sys/fs/cgroup/freezer/pod/ctr", false},
		{"v1 parent, own not made yet", "/sys/fs/cgroup/freezer/pod", false},
		{"v2 own", "/sys/fs/cgroup/unified/pod/ctr", true},
		{"v2 grandparent", "/sys/fs/cgroup/unified/pod", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := hybridHost()
			f.mkdirAll(t, tc.frozen)
			if tc.v2 {
				f.mkdirAll(t, "/sys/fs/cgroup/unified/pod/ctr")
				f.files["/sys/fs/cgroup/unified/pod/ctr/cgroup.freeze"] = "0\n" // its own setting
				f.files[tc.frozen+"/cgroup.freeze"] = "1\n"
			} else {
				f.files[tc.frozen+"/freezer.state"] = "FROZEN\n"
			}
			m, err := newManager(f, Hybrid, "/pod/ctr", "id")
			if err != nil {
				t.Fatal(err)
			}
			err = m.Preflight()
			if err == nil || !strings.Contains(err.Error(), "container's cgroup is frozen: "+tc.frozen) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestSignalUsesCgroupKillForSIGKILL(t *testing.T) {
	f := unifiedHost()
	f.mkdirAll(t, "/sys/fs/cgroup/ctr")
	f.files["/sys/fs/cgroup/ctr/cgroup.kill"] = ""
	m, err := newManager(f, Unified, "/ctr", "id")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Signal(9); err != nil {
		t.Fatal(err)
	}
	if len(f.writes) != 1 || f.writes[0] != "/sys/fs/cgroup/ctr/cgroup.kill=1" {
		t.Fatalf("writes %v, want only cgroup.kill", f.writes)
	}
}

func TestSignalFreezesAroundTheListOnV1(t *testing.T) {
	f := hybridHost()
	m, err := newManager(f, Hybrid, "/ctr", "id")
	if err != nil {
		t.Fatal(err)
	}
	f.mkdirAll(t, "/sys/fs/cgroup/freezer/ctr")
	f.files["/sys/fs/cgroup/freezer/ctr/freezer.state"] = "THAWED"
	// No cgroup.kill (kernel < 5.14) and no process: freeze, list, thaw.
	f.mkdirAll(t, "/sys/fs/cgroup/unified/ctr")
	if err := m.Signal(15); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range f.writes {
		if strings.Contains(w, "freezer.state") {
			got = append(got, w[strings.LastIndex(w, "=")+1:])
		}
	}
	if strings.Join(got, ",") != "FROZEN,THAWED" {
		t.Fatalf("freezer writes %v, want FROZEN then THAWED", got)
	}
}
