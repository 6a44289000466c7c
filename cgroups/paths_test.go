package cgroups

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestDetectMode(t *testing.T) {
	f := newFakeFS()
	f.mount("/sys/fs/cgroup", unix.CGROUP2_SUPER_MAGIC)
	if got := detectMode(f); got != Unified {
		t.Errorf("cgroup2 at /sys/fs/cgroup: got %s, want unified", got)
	}
	f = hybridHost()
	if got := detectMode(f); got != Hybrid {
		t.Errorf("tmpfs + cgroup2 at unified: got %s, want hybrid", got)
	}
	delete(f.fstype, "/sys/fs/cgroup/unified")
	if got := detectMode(f); got != Legacy {
		t.Errorf("tmpfs, unified not cgroup2: got %s, want legacy", got)
	}
	delete(f.dirs, "/sys/fs/cgroup/unified")
	if got := detectMode(f); got != Legacy {
		t.Errorf("tmpfs, no unified dir: got %s, want legacy", got)
	}
}

func TestHybridDefaultPaths(t *testing.T) {
	m, err := newManager(hybridHost(), Hybrid, "", "c1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"": "/sys/fs/cgroup/unified/berth/c1", "name=systemd": "/sys/fs/cgroup/systemd/berth/c1"}
	for _, c := range []string{"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"} {
		want[c] = "/sys/fs/cgroup/" + c + "/berth/c1"
	}
	if got := m.Paths(); !reflect.DeepEqual(got, want) {
		t.Errorf("Paths:\n got %v\nwant %v", got, want)
	}
}

func TestLegacyHasNoUnifiedPath(t *testing.T) {
	m, err := newManager(hybridHost(), Legacy, "/x", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Paths()[""]; ok || m.v2 != nil {
		t.Errorf("legacy mode placed a cgroup2 dir: %v", m.Paths())
	}
}

func TestRelativePathFollowsOwnCgroup(t *testing.T) {
	m, err := newManager(hybridHost(), Hybrid, "a/b", "ignored")
	if err != nil {
		t.Fatal(err)
	}
	p := m.Paths()
	if got, want := p["memory"], "/sys/fs/cgroup/memory/process_api/h1/a/b"; got != want {
		t.Errorf("memory: got %s, want %s", got, want)
	}
	if got, want := p["cpu"], "/sys/fs/cgroup/cpu/a/b"; got != want {
		t.Errorf("cpu: got %s, want %s", got, want)
	}
	if got, want := p[""], "/sys/fs/cgroup/unified/a/b"; got != want {
		t.Errorf("unified: got %s, want %s", got, want)
	}
}

func TestCoMountedControllersShareADir(t *testing.T) {
	f := newFakeFS()
	f.mount("/sys/fs/cgroup/cpu,cpuacct", unix.CGROUP_SUPER_MAGIC)
	f.mount("/sys/fs/cgroup/memory", unix.CGROUP_SUPER_MAGIC)
	f.files["/proc/self/mountinfo"] = "" +
		"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
		"33 31 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n" +
		"34 31 0:30 / /mnt/memory-again rw - cgroup cgroup rw,memory\n"
	f.files["/proc/self/cgroup"] = "3:net_cls:/\n2:cpu,cpuacct:/\n1:memory:/\n0::/\n"
	m, err := newManager(f, Legacy, "/k", "id")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"cpu":     "/sys/fs/cgroup/cpu,cpuacct/k",
		"cpuacct": "/sys/fs/cgroup/cpu,cpuacct/k",
		"memory":  "/sys/fs/cgroup/memory/k",
	}
	if got := m.Paths(); !reflect.DeepEqual(got, want) {
		t.Errorf("Paths:\n got %v\nwant %v", got, want)
	}
	if n := len(m.v1.hierarchies); n != 2 {
		t.Errorf("got %d v1 hierarchies, want 2 (unmounted net_cls skipped, memory used once)", n)
	}
}

func TestMountRootNotSlash(t *testing.T) {
	// A container-like view: the memory mount shows cgroup /docker/x at its mountpoint.
	h := hierarchy{controllers: []string{"memory"}, mountpoint: "/sys/fs/cgroup/memory", root: "/docker/x", own: "/docker/x/sub"}
	if got, _ := containerDir(h, "rel"); got != "/sys/fs/cgroup/memory/sub/rel" {
		t.Errorf("relative: got %s", got)
	}
	if got, _ := containerDir(h, "/abs"); got != "/sys/fs/cgroup/memory/abs" {
		t.Errorf("absolute: got %s", got)
	}
	h.own = "/elsewhere"
	if _, err := containerDir(h, "rel"); err == nil || !strings.Contains(err.Error(), "linux.cgroupsPath") {
		t.Errorf("own cgroup outside the mount root: got %v, want an error", err)
	}
	if _, err := containerDir(h, "/abs"); err != nil {
		t.Errorf("absolute path does not need our own cgroup: %v", err)
	}
	h.root, h.own = "/", "/odd..name"
	if got, err := containerDir(h, "rel"); err != nil || got != "/sys/fs/cgroup/memory/odd..name/rel" {
		t.Errorf("own cgroup with dots in a name: %q, %v", got, err)
	}
	h.own = "/../../outside" // cgroup namespace root below our cgroup
	if _, err := containerDir(h, "rel"); err == nil {
		t.Error("own cgroup shown with \"..\": want an error")
	}
}

func TestPathResolution(t *testing.T) {
	h := hierarchy{controllers: []string{"pids"}, mountpoint: "/sys/fs/cgroup/pids", root: "/", own: "/me"}
	good := map[string]string{
		"/a/b":        "/sys/fs/cgroup/pids/a/b",
		"/a/../b/":    "/sys/fs/cgroup/pids/b",
		"//a/./b":     "/sys/fs/cgroup/pids/a/b",
		"a":           "/sys/fs/cgroup/pids/me/a",
		"a/b/../c":    "/sys/fs/cgroup/pids/me/a/c",
		"./a":         "/sys/fs/cgroup/pids/me/a",
		"/a/..b":      "/sys/fs/cgroup/pids/a/..b",
		"slice:p:n/x": "/sys/fs/cgroup/pids/me/slice:p:n/x",
	}
	for in, want := range good {
		got, err := containerDir(h, in)
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{"..", "../x", "a/../../x", "/..", "/../x", "/a/../../x", "/", ".", "a/..", "/a/\x00"}
	for _, in := range bad {
		got, err := containerDir(h, in)
		if err == nil {
			t.Errorf("%q: got %q, want an error", in, got)
		} else if !strings.Contains(err.Error(), "linux.cgroupsPath") {
			t.Errorf("%q: error %q does not name linux.cgroupsPath", in, err)
		}
	}
}

func TestDefaultPathNeedsSaneID(t *testing.T) {
	if p, err := effectivePath("", "abc"); err != nil || p != "/berth/abc" {
		t.Errorf("got %q, %v", p, err)
	}
	if p, err := effectivePath("/given", "abc"); err != nil || p != "/given" {
		t.Errorf("got %q, %v", p, err)
	}
	for _, id := range []string{"", ".", "..", "a/b", "../x"} {
		if _, err := effectivePath("", id); err == nil {
			t.Errorf("id %q: want an error", id)
		}
	}
}

func TestParseProcCgroup(t *testing.T) {
	got, err := parseProcCgroup([]byte("12:cpu,cpuacct:/a:b\n1:name=systemd:/\n0::/x\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []procCgroup{
		{id: 12, controllers: []string{"cpu", "cpuacct"}, path: "/a:b"},
		{id: 1, controllers: []string{"name=systemd"}, path: "/"},
		{id: 0, path: "/x"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseProcCgroup([]byte("garbage\n")); err == nil {
		t.Error("malformed line: want an error")
	}
}

func TestNoHierarchies(t *testing.T) {
	f := newFakeFS()
	f.files["/proc/self/mountinfo"] = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
	f.files["/proc/self/cgroup"] = "0::/\n"
	if _, err := newManager(f, Unified, "", "id"); err == nil {
		t.Error("no cgroup mounts: want an error")
	}
}
