package libcontainer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// writeThroughProc tries what an attacker in the container would: reopen the binary
// through /proc/self/fd (like /proc/<init>/exe) for writing, and write.
func writeThroughProc(fd int) error {
	w, err := unix.Open("/proc/self/fd/"+itoa(fd), unix.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer unix.Close(w)
	_, err = unix.Write(w, []byte{0x7f})
	return err
}

func TestSealedSelfCannotBeWritten(t *testing.T) {
	fd, err := sealedSelf()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatal(err)
	}
	if seals&unix.F_SEAL_WRITE == 0 || seals&unix.F_SEAL_SEAL == 0 {
		t.Fatalf("seals %#x", seals)
	}
	if writeThroughProc(fd) == nil {
		t.Fatal("write to the sealed copy succeeded")
	}
}

func TestReadonlyBindCannotBeWritten(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs CAP_SYS_ADMIN")
	}
	// A file nobody executes: on the running binary the kernel would answer ETXTBSY first.
	path := filepath.Join(t.TempDir(), "berth-copy")
	if err := os.WriteFile(path, []byte("\x7fELF"), 0o755); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	fd, err := readonlyBind(path, st.Dev, st.Ino)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := writeThroughProc(fd); err != unix.EROFS {
		t.Fatalf("want EROFS, got %v", err)
	}
	// The caller's mount table must not show the bind (it lived in a private namespace),
	// and the file itself stays writable for its owner.
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mi), path) {
		t.Fatalf("bind of %s visible in the caller's mount namespace", path)
	}
	if err := os.WriteFile(path, []byte("x"), 0); err != nil {
		t.Fatalf("original file no longer writable: %v", err)
	}
	// A different file than the one asked for is refused.
	if fd2, err := readonlyBind(path, st.Dev, st.Ino+1); err == nil {
		unix.Close(fd2)
		t.Fatal("inode mismatch accepted")
	}
}

// The handle init runs from is unreadable (mode 0111: see protectedSelf), whichever way
// it was made, and the cached copy is made once and reused.
func TestProtectedSelf(t *testing.T) {
	root := t.TempDir()
	fd, err := protectedSelf(root)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o7777 != 0o111 {
		t.Fatalf("mode %#o, want 0111", st.Mode&0o7777)
	}
	if os.Geteuid() != 0 {
		return // no bind mounts: the memfd
	}
	fd2, err := protectedSelf(root)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd2)
	var st2 unix.Stat_t
	unix.Fstat(fd2, &st2)
	if st2.Ino != st.Ino || st2.Dev != st.Dev {
		t.Error("the cached copy was not reused")
	}
	if writeThroughProc(fd2) != unix.EROFS {
		t.Error("the cached copy is writable through its handle")
	}
	// A copy with the wrong mode is refused (and the memfd used).
	ents, _ := filepath.Glob(filepath.Join(root, ".exe", "berth-*"))
	for _, e := range ents {
		os.Chmod(e, 0o755)
	}
	if fd3, err := cachedSelf(root); err == nil {
		unix.Close(fd3)
		t.Error("a readable cached copy was accepted")
	}
}

func TestWriteExeCopyRemovesOthers(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "berth-stale")
	os.WriteFile(stale, nil, 0o111)
	if err := writeExeCopy(dir, "berth-now"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a copy of another binary was kept")
	}
	fi, err := os.Stat(filepath.Join(dir, "berth-now"))
	if err != nil || fi.Mode().Perm() != 0o111 {
		t.Fatalf("copy: %v %v", fi, err)
	}
}

// The caches (the copy, the compiled seccomp programs) go with the last container of the
// root, and stay while one is left.
func TestDropIdleCaches(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, exeCacheDir), 0o700)
	os.MkdirAll(filepath.Join(root, seccompCacheDir), 0o700)
	os.WriteFile(filepath.Join(root, seccompCacheDir, "x.bpf"), []byte("x"), 0o600)
	os.Mkdir(filepath.Join(root, "c1"), 0o700)
	dropIdleCaches(root)
	for _, d := range []string{exeCacheDir, seccompCacheDir} {
		if _, err := os.Stat(filepath.Join(root, d)); err != nil {
			t.Fatalf("%s removed while a container is left", d)
		}
	}
	os.Remove(filepath.Join(root, "c1"))
	dropIdleCaches(root)
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Fatalf("root not empty: %v", ents)
	}
}
