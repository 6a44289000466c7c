package cgroups

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests create and remove real cgroups (never mounts), so they need root but no mount namespace.
// Every directory they make is removed in Cleanup, also on failure.

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create cgroups")
	}
}

// startSleeper runs a child that the test kills and reaps in Cleanup if the test did not.
func startSleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// procCgroupOf reads /proc/<pid>/cgroup as hierarchy controllers => path ("" for cgroup2).
func procCgroupOf(t *testing.T, pid int) map[string]string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := parseProcCgroup(data)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range lines {
		out[strings.Join(l.controllers, ",")] = l.path
	}
	return out
}

// checkPlaced asserts pid shows up in every hierarchy of m at a cgroup path ending in want, and that every
// hierarchy m placed it in is one /proc lists.
func checkPlaced(t *testing.T, m Manager, pid int, want func(controllers string) string) {
	t.Helper()
	paths := m.Paths()
	covered := map[string]bool{}
	for ctrls, got := range procCgroupOf(t, pid) {
		key := strings.Split(ctrls, ",")[0]
		if _, ok := paths[key]; !ok {
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			covered[c] = true
		}
		if w := want(ctrls); !strings.HasSuffix(got, w) {
			t.Errorf("pid %d in hierarchy %q is at %q, want …%s", pid, ctrls, got, w)
		}
	}
	for k := range paths {
		if !covered[k] {
			t.Errorf("hierarchy %q of Paths does not appear in /proc/%d/cgroup", k, pid)
		}
	}
}

func uniqueDirs(paths map[string]string) []string {
	var out []string
	for _, d := range paths {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func TestHostApplyPidsDestroy(t *testing.T) {
	needRoot(t)
	mode := DetectMode()
	base := fmt.Sprintf("berthtest-%d-%d", os.Getpid(), time.Now().UnixNano())
	cgPath := "/" + base + "/sub/leaf"
	m, err := New(cgPath, "unused")
	if err != nil {
		t.Fatal(err)
	}
	paths := m.Paths()
	t.Logf("mode %s, %d paths", mode, len(paths))
	if _, ok := paths[""]; ok != (mode != Legacy) {
		t.Errorf("mode %s but cgroup2 path present=%v", mode, ok)
	}
	if mode == Hybrid && len(paths) < 2 {
		t.Errorf("hybrid host but only %v", paths)
	}

	// A pre-existing parent in every hierarchy, which Destroy must leave alone.
	var pre []string
	for _, d := range uniqueDirs(paths) {
		p := filepath.Dir(filepath.Dir(d))
		if filepath.Base(p) != base {
			t.Fatalf("unexpected dir %s for %s", d, cgPath)
		}
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		pre = append(pre, p)
	}
	t.Cleanup(func() {
		_ = m.Destroy()
		for _, p := range pre {
			_ = os.Remove(filepath.Join(p, "sub", "leaf"))
			_ = os.Remove(filepath.Join(p, "sub"))
			if err := os.Remove(p); err != nil {
				t.Errorf("cleanup %s: %v", p, err)
			}
		}
	})

	cmd := startSleeper(t)
	pid := cmd.Process.Pid
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}
	checkPlaced(t, m, pid, func(string) string { return cgPath })
	if pids, err := m.Pids(); err != nil || !slices.Contains(pids, pid) {
		t.Errorf("Pids = %v, %v; want it to contain %d", pids, err, pid)
	}
	st := m.State()
	if len(st.Created) != len(pre) {
		t.Errorf("Created = %v, want one sub dir per hierarchy (%d)", st.Created, len(pre))
	}

	// Delete from "a later process": state through JSON; kill without waiting, so Destroy may see EBUSY.
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var saved State
	if err := json.Unmarshal(raw, &saved); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := Load(saved).Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	for _, p := range pre {
		if _, err := os.Stat(filepath.Join(p, "sub")); !os.IsNotExist(err) {
			t.Errorf("%s/sub still exists (err %v)", p, err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("pre-existing parent %s was removed: %v", p, err)
		}
	}
}

func TestHostRelativePath(t *testing.T) {
	needRoot(t)
	rel := fmt.Sprintf("berthtest-rel-%d-%d", os.Getpid(), time.Now().UnixNano())
	m, err := New(rel, "unused")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Destroy() })
	own := procCgroupOf(t, os.Getpid())
	cmd := startSleeper(t)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	checkPlaced(t, m, cmd.Process.Pid, func(ctrls string) string {
		return strings.TrimSuffix(own[ctrls], "/") + "/" + rel
	})
	if c := m.State().Created; len(c) != 0 {
		t.Errorf("our own cgroups were recorded as created: %v", c)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range uniqueDirs(m.Paths()) {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s survived Destroy (err %v)", d, err)
		}
		if _, err := os.Stat(filepath.Dir(d)); err != nil {
			t.Errorf("own cgroup %s gone: %v", filepath.Dir(d), err)
		}
	}
}
