package libcontainer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheckRdtHost(t *testing.T) {
	root := t.TempDir()
	l3, mb := RdtSchemas{L3Cache: "L3:0=f"}, RdtSchemas{MemBw: "MB:0=50"}
	// No resctrl mount at all: both are refused, naming the feature.
	if err := checkRdtHost(l3, ""); err == nil || err.Error() != "Intel RDT/CAT: l3 cache schema is not enabled" {
		t.Errorf("no resctrl, L3: %v", err)
	}
	if err := checkRdtHost(mb, ""); err == nil || err.Error() != "Intel RDT/MBA: memory bandwidth schema is not enabled" {
		t.Errorf("no resctrl, MB: %v", err)
	}
	// resctrl with CAT only.
	if err := os.MkdirAll(filepath.Join(root, "info", "L3"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkRdtHost(l3, root); err != nil {
		t.Errorf("CAT present: %v", err)
	}
	if err := checkRdtHost(mb, root); err == nil || !strings.Contains(err.Error(), "Intel RDT/MBA") {
		t.Errorf("MBA absent: %v", err)
	}
	if err := checkRdtHost(RdtSchemas{}, ""); err != nil {
		t.Errorf("nothing asked: %v", err)
	}
}

func TestCheckRdtConfig(t *testing.T) {
	if err := checkRdtConfig(nil); err == nil || !strings.Contains(err.Error(), "non-existent Intel RDT configuration") {
		t.Errorf("no linux.intelRdt: %v", err)
	}
	if err := checkRdtConfig(&specs.LinuxIntelRdt{}); err != nil {
		t.Errorf("linux.intelRdt present: %v", err)
	}
}

func TestUpdateRdtGroup(t *testing.T) {
	root := t.TempDir()
	// The container's own group (no closID): named after it.
	fakeGroup(t, filepath.Join(root, "ct"), "")
	orig := &specs.LinuxIntelRdt{L3CacheSchema: "L3:0=ff", MemBwSchema: "MB:0=100"}
	got, err := updateRdtGroup(root, "ct", orig, RdtSchemas{MemBw: "MB:0=40"})
	if err != nil {
		t.Fatal(err)
	}
	if s := readFile(t, filepath.Join(root, "ct", "schemata")); s != "MB:0=40\n" {
		t.Errorf("schemata written: %q", s)
	}
	if got.L3CacheSchema != "L3:0=ff" || got.MemBwSchema != "MB:0=40" {
		t.Errorf("saved config: %+v", got)
	}
	if orig.MemBwSchema != "MB:0=100" {
		t.Error("the original config was changed in place")
	}

	// A shared group named by closID gets the lines too (as runc writes them).
	fakeGroup(t, filepath.Join(root, "shared"), "")
	got, err = updateRdtGroup(root, "ct2", &specs.LinuxIntelRdt{ClosID: "shared"}, RdtSchemas{L3Cache: "L3:0=f", MemBw: "MB:0=20"})
	if err != nil {
		t.Fatal(err)
	}
	// The fake file keeps only the last write; the kernel merges each line into the group's.
	if s := readFile(t, filepath.Join(root, "shared", "schemata")); s != "MB:0=20\n" {
		t.Errorf("shared schemata: %q", s)
	}
	if got.L3CacheSchema != "L3:0=f" || got.MemBwSchema != "MB:0=20" || got.ClosID != "shared" {
		t.Errorf("saved config: %+v", got)
	}

	// The group is gone (resctrl unmounted and remounted): an error, nothing saved.
	if _, err := updateRdtGroup(root, "gone", &specs.LinuxIntelRdt{}, RdtSchemas{L3Cache: "L3:0=1"}); err == nil {
		t.Error("update of a missing group succeeded")
	}
}
