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
	for _, bad := range []string{"", "/abs", "..", "a/../..", "memory:../x", "x:.", "a", "b"} {
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
