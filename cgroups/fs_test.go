package cgroups

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// hostFS reads and writes with bare descriptors; what it returns must be what os would.
func TestHostFSReadWrite(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	want := bytes.Repeat([]byte("0123456789abcdef\n"), 700) // past the first buffers
	if err := os.WriteFile(big, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := hostFS{}.ReadFile(big)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadFile: %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
	// cgroupfs files report a size that is not their content's: reading goes to EOF.
	if got, err := (hostFS{}).ReadFile("/proc/self/status"); err != nil || !bytes.Contains(got, []byte("VmRSS")) {
		t.Fatalf("ReadFile of a proc file: %q, %v", got, err)
	}
	if err := (hostFS{}).WriteFile(big, []byte("42")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(big); string(got[:2]) != "42" || len(got) != len(want) {
		t.Fatalf("WriteFile wrote %q... (%d bytes): it must write over the start, not truncate", got[:4], len(got))
	}

	missing := filepath.Join(dir, "missing")
	_, err = hostFS{}.ReadFile(missing)
	_, oserr := os.ReadFile(missing)
	if err == nil || err.Error() != oserr.Error() || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadFile of a missing file: %v, want %v", err, oserr)
	}
	if err := (hostFS{}).WriteFile(missing, []byte("1")); err == nil || err.Error() != oserr.Error() {
		t.Fatalf("WriteFile of a missing file: %v, want %v (never created)", err, oserr)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(big, link); err != nil {
		t.Fatal(err)
	}
	if err := (hostFS{}).WriteFile(link, []byte("1")); !errors.Is(err, unix.ELOOP) {
		t.Fatalf("WriteFile through a symlink: %v, want ELOOP", err)
	}
}
