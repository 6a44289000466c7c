package incontainer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A relative program path is the process's, from its working directory; a name without
// a slash is looked up in PATH.
func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "work", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(dir, "work", "bin", "tool")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := lookPath("bin/tool", "", filepath.Join(dir, "work")); err != nil || got != "bin/tool" {
		t.Errorf("bin/tool from the working directory: %q, %v", got, err)
	}
	if _, err := lookPath("bin/tool", "", dir); err == nil || !strings.Contains(err.Error(), "process.args[0] bin/tool") {
		t.Errorf("bin/tool from elsewhere: %v, want an error naming it", err)
	}
	if got, err := lookPath(prog, "", "/"); err != nil || got != prog {
		t.Errorf("an absolute path: %q, %v", got, err)
	}
	if got, err := lookPath("tool", filepath.Join(dir, "nowhere")+":"+filepath.Join(dir, "work", "bin"), "/"); err != nil || got != prog {
		t.Errorf("by name in PATH: %q, %v", got, err)
	}
	if _, err := lookPath("tool", filepath.Join(dir, "nowhere"), "/"); err == nil || !strings.Contains(err.Error(), "not found in $PATH") {
		t.Errorf("by name, missing: %v", err)
	}
}
