package rootfs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestCopyTree(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "sub/deeper"), 0o755))
	must(os.WriteFile(filepath.Join(src, "sub/deeper/f"), []byte("deep"), 0o640))
	must(os.WriteFile(filepath.Join(src, "setuid"), []byte("x"), 0o644))
	must(unix.Chmod(filepath.Join(src, "setuid"), 0o4755))
	// A link that would leave the tree if followed: copied as a link, never followed.
	must(os.Symlink("../../../../etc/shadow", filepath.Join(src, "escape")))
	must(unix.Mkfifo(filepath.Join(src, "fifo"), 0o600))
	must(os.Chmod(filepath.Join(src, "sub"), 0o750))
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	must(os.Chtimes(filepath.Join(src, "sub/deeper/f"), old, old))
	root := os.Geteuid() == 0
	if root {
		must(os.Lchown(filepath.Join(src, "sub/deeper/f"), 1234, 5678))
		must(os.Lchown(filepath.Join(src, "escape"), 1234, 5678))
	}

	s, err := unix.Open(src, unix.O_PATH|unix.O_DIRECTORY, 0)
	must(err)
	defer unix.Close(s)
	d, err := unix.Open(dst, unix.O_PATH|unix.O_DIRECTORY, 0)
	must(err)
	defer unix.Close(d)
	must(copyTree(s, d, "/x"))

	b, err := os.ReadFile(filepath.Join(dst, "sub/deeper/f"))
	if err != nil || string(b) != "deep" {
		t.Errorf("content: %q %v", b, err)
	}
	for name, want := range map[string]os.FileMode{
		"sub/deeper/f": 0o640, "sub": os.ModeDir | 0o750, "setuid": os.ModeSetuid | 0o755, "fifo": os.ModeNamedPipe | 0o600,
	} {
		fi, err := os.Lstat(filepath.Join(dst, name))
		if err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, %v; want %v", name, fi.Mode(), err, want)
		}
	}
	if l, err := os.Readlink(filepath.Join(dst, "escape")); err != nil || l != "../../../../etc/shadow" {
		t.Errorf("symlink: %q %v", l, err)
	}
	var st unix.Stat_t
	must(unix.Lstat(filepath.Join(dst, "sub/deeper/f"), &st))
	if !time.Unix(st.Mtim.Unix()).Equal(old) {
		t.Errorf("mtime %v, want %v", time.Unix(st.Mtim.Unix()), old)
	}
	if root {
		if st.Uid != 1234 || st.Gid != 5678 {
			t.Errorf("owner %d:%d", st.Uid, st.Gid)
		}
		must(unix.Lstat(filepath.Join(dst, "escape"), &st))
		if st.Uid != 1234 {
			t.Errorf("symlink owner %d (lchown, not chown of its target)", st.Uid)
		}
	}
}
