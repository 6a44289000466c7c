package cgroups

import "testing"

func TestParseSubCgroups(t *testing.T) {
	sub, err := ParseSubCgroups([]string{"a/b", "memory,pids:m", "cpu:c"})
	if err != nil {
		t.Fatal(err)
	}
	for ctrl, want := range map[string]string{"": "a/b", "memory": "m", "pids": "m", "cpu,cpuacct": "c", "freezer": "a/b", "name=systemd": "a/b"} {
		if got := sub.For(ctrl); got != want {
			t.Errorf("For(%q) = %q, want %q", ctrl, got, want)
		}
	}
	// runc: relative to the container's cgroup even with a leading "/"; "/" is its own.
	own, err := ParseSubCgroups([]string{"pids:/", "memory:.", "cpu:/sub/x"})
	if err != nil {
		t.Fatal(err)
	}
	for ctrl, want := range map[string]string{"pids": "", "memory": "", "cpu": "sub/x", "freezer": ""} {
		if got := own.For(ctrl); got != want {
			t.Errorf("For(%q) = %q, want %q", ctrl, got, want)
		}
	}
	if all, err := ParseSubCgroups([]string{"/"}); err != nil || all.For("memory") != "" {
		t.Errorf(`"/" = %v, %v; want the container's own cgroup`, all, err)
	}
	for _, bad := range []string{"", "..", "a/../..", "/../x", "memory:../x", "memory:", "a", "b"} {
		vals := []string{bad}
		if bad == "b" {
			vals = []string{"a", "b"} // two paths for every hierarchy
		}
		if bad == "a" {
			continue
		}
		if _, err := ParseSubCgroups(vals); err == nil {
			t.Errorf("%q accepted", vals)
		}
	}
}
