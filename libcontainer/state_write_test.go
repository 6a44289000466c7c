package libcontainer

import (
	"os"
	"path/filepath"
	"testing"
)

// writeJSONAtomic creates a file, then replaces it (by exchange where the file system
// can), leaving exactly the named file with the last content: no temporary behind.
func TestWriteJSONAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	for i, v := range []map[string]int{{"first": 1}, {"second": 2}, {"third": 3}} {
		if err := writeJSONAtomic(dir, "state.json", v); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		names, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 1 || names[0].Name() != "state.json" {
			t.Fatalf("after write %d the directory holds %v, want only state.json", i, names)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil || string(data) != `{"third":3}` {
		t.Fatalf("state.json = %q, %v; want the last write", data, err)
	}
}

// A directory where the file would go is an error, and the temporary goes with it.
func TestWriteJSONAtomicFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "state.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "state.json", "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeJSONAtomic(dir, "state.json", 1); err == nil {
		t.Fatal("replacing a non-empty directory succeeded")
	}
	names, _ := os.ReadDir(dir)
	if len(names) != 1 {
		t.Fatalf("left %v, want only the directory", names)
	}
}
