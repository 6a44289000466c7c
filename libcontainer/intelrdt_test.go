package libcontainer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeResctrl is a directory standing in for a resctrl mount: groups are plain
// directories whose tasks and schemata files exist (the kernel makes them on mkdir).
func fakeGroup(t *testing.T, dir, schemata string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"tasks": "", "schemata": schemata} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRdtGroupFor(t *testing.T) {
	cases := []struct {
		r    specs.LinuxIntelRdt
		want rdtGroup
	}{
		{specs.LinuxIntelRdt{}, rdtGroup{ctrl: "/rc/ct", own: true}},
		{specs.LinuxIntelRdt{ClosID: "/"}, rdtGroup{ctrl: "/rc"}},
		{specs.LinuxIntelRdt{ClosID: "gold", EnableMonitoring: true}, rdtGroup{ctrl: "/rc/gold", mon: "/rc/gold/mon_groups/ct"}},
	}
	for _, tc := range cases {
		if got := rdtGroupFor("/rc", "ct", &tc.r); got != tc.want {
			t.Errorf("%+v: got %+v, want %+v", tc.r, got, tc.want)
		}
	}
	lines := rdtSchemaLines(&specs.LinuxIntelRdt{L3CacheSchema: "L3:0=f", MemBwSchema: "MB:0=50", Schemata: []string{"L2:0=3"}})
	if strings.Join(lines, "|") != "L3:0=f|MB:0=50|L2:0=3" {
		t.Errorf("schema order %q", lines)
	}
}

func TestApplyRdtExistingGroup(t *testing.T) {
	root := t.TempDir()
	gold := filepath.Join(root, "gold")
	fakeGroup(t, gold, "    L3:0=007f0;1=0001f\n    MB:0=100;1= 70\n")
	// Matching schemata (the kernel's padding aside): the task joins, nothing is written.
	g := rdtGroup{ctrl: gold}
	if err := applyRdtGroup(g, []string{"L3:0=7f0;1=1f", "MB:1=70"}, 42); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(gold, "tasks")); got != "42\n" {
		t.Errorf("tasks %q", got)
	}
	err := applyRdtGroup(g, []string{"L3:0=ff"}, 42)
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("mismatch: %v", err)
	}
	// A named group that does not exist, with nothing to create it with.
	err = applyRdtGroup(rdtGroup{ctrl: filepath.Join(root, "none")}, nil, 42)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing group: %v", err)
	}
}

func TestApplyRdtOwnGroupAndMonitoring(t *testing.T) {
	root := t.TempDir()
	own := filepath.Join(root, "ct")
	fakeGroup(t, own, "")
	// The container's own group must not exist yet (it would be removed on delete).
	if err := applyRdtGroup(rdtGroup{ctrl: own, own: true}, nil, 1); err == nil {
		t.Fatal("an existing group was taken as the container's own")
	}
	// A MON group that cannot be made undoes the whole step.
	gold := filepath.Join(root, "gold")
	fakeGroup(t, gold, "")
	g := rdtGroup{ctrl: gold, mon: filepath.Join(gold, "mon_groups", "ct")} // no mon_groups dir
	if err := applyRdtGroup(g, nil, 7); err == nil {
		t.Fatal("monitoring group made without mon_groups")
	}
	if err := os.Mkdir(filepath.Join(gold, "mon_groups"), 0o755); err != nil {
		t.Fatal(err)
	}
	// On a real resctrl the kernel makes the group's files; here tasks must pre-exist.
	fakeGroup(t, g.mon, "")
	if err := os.Remove(g.mon + "/schemata"); err != nil {
		t.Fatal(err)
	}
	if err := applyRdtGroup(g, nil, 7); err == nil || !strings.Contains(err.Error(), "monitoring group") {
		t.Fatalf("an existing monitoring group was reused: %v", err)
	}
}

func TestSchemaHolds(t *testing.T) {
	file := "    L3:0=007f0;1=0001f\n    MB:0=100;1= 70\n"
	for line, want := range map[string]bool{
		"L3:0=7f0": true, "L3:0=7f0;1=1f": true, "L3:1=ff": false, "MB:1=70": true,
		"MB:0=10": false, "L2:0=f": false, "garbage": false,
	} {
		if got := schemaHolds(file, line); got != want {
			t.Errorf("%q: got %v, want %v", line, got, want)
		}
	}
}
