package cgroups

import "testing"

func TestSystemdPaths(t *testing.T) {
	cases := []struct{ in, cgroup, unit string }{
		{"system.slice:docker:abc", "/system.slice/docker-abc.scope", "docker-abc.scope"},
		{":berth:x", "/system.slice/berth-x.scope", "berth-x.scope"},
		{"machine-pod1.slice:libpod:c1", "/machine.slice/machine-pod1.slice/libpod-c1.scope", "libpod-c1.scope"},
		{"-.slice::solo", "/solo.scope", "solo.scope"},
		{"", "/system.slice/berth-id.scope", "berth-id.scope"},
	}
	for _, c := range cases {
		p, err := parseSystemdPath(c.in, "id", false)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if p.cgroup() != c.cgroup || p.unit != c.unit {
			t.Errorf("%q: cgroup %s unit %s", c.in, p.cgroup(), p.unit)
		}
	}
	for _, bad := range []string{"/abs/path", "system.slice:a", "system.slice:x:../../etc", "foo:bar:baz", "a.slice:b:c/d", "a.slice:p:x.slice"} {
		if _, err := parseSystemdPath(bad, "id", false); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// A user instance's default slice is user.slice; an explicit one is kept.
	for in, want := range map[string]string{"": "user.slice", ":p:n": "user.slice", "app.slice:p:n": "app.slice"} {
		if p, err := parseSystemdPath(in, "id", true); err != nil || p.slice != want {
			t.Errorf("user %q: slice %q, %v; want %s", in, p.slice, err, want)
		}
	}
}
