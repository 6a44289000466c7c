package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root.open and root.mkdirAll keep every lookup inside the root: absolute and ".."
// symlinks planted in the image resolve below it, existing or not.
func TestRootResolvesInside(t *testing.T) {
	rootDir, outside := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(rootDir, "etc/real"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"abs": outside, "up": "../../../../" + outside, "etc/link": "../etc/real"} {
		if err := os.Symlink(target, filepath.Join(rootDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := openRoot(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	where := func(f *os.File) string {
		t.Helper()
		p, err := r.containerPathOf(f)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	f, err := r.open("/etc/link")
	if err != nil || where(f) != "/etc/real" {
		t.Fatalf("open /etc/link: %v", err)
	}
	f.Close()
	if _, err := r.open("/abs"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("open /abs (-> %s outside): %v, want not found inside the root", outside, err)
	}
	// Through a dangling link pathrs-lite refuses to create anything; either way
	// nothing may appear outside.
	for _, p := range []string{"/abs/made", "/up/made"} {
		if f, err := r.mkdirAll(p); err == nil {
			if got := where(f); !strings.HasSuffix(got, "/made") {
				t.Errorf("mkdirAll %s made %s", p, got)
			}
			f.Close()
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("something was made outside the root: %v", entries)
	}
	// An existing directory takes the fast path and is the same one.
	f, err = r.mkdirAll("/etc/real")
	if err != nil || where(f) != "/etc/real" {
		t.Errorf("mkdirAll existing: %v", err)
	}
	f.Close()
}
