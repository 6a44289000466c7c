package rawfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadIsOsReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 513, 4096, 100000} {
		p := filepath.Join(dir, "f")
		want := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Read(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("size %d: Read = %d bytes, %v; want %d bytes", size, len(got), err, size)
		}
		// Unsized, the buffer grows to it.
		got, err = ReadKernelFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("size %d: ReadKernelFile = %d bytes, %v; want %d bytes", size, len(got), err, size)
		}
	}
	// A procfs file, whose size stat does not give.
	got, err := ReadKernelFile("/proc/self/stat")
	want, _ := os.ReadFile("/proc/self/stat")
	if err != nil || len(got) == 0 || !bytes.Equal(got[:bytes.IndexByte(got, ' ')], want[:bytes.IndexByte(want, ' ')]) {
		t.Errorf("ReadKernelFile(/proc/self/stat) = %q, %v; os.ReadFile gives %q", got, err, want)
	}
}

func TestErrorsReadAsOs(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	_, err := Read(missing)
	var pe *os.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "open" || pe.Path != missing {
		t.Errorf("Read of a missing file: %#v, want an open *os.PathError matching fs.ErrNotExist", err)
	}
	dir := t.TempDir()
	_, err = Read(dir)
	if !errors.Is(err, unix.EISDIR) || !errors.As(err, &pe) || pe.Op != "read" || pe.Path != dir {
		t.Errorf("Read of a directory: %#v, want a read *os.PathError with EISDIR", err)
	}
}

func TestOpenIsCloseOnExec(t *testing.T) {
	fd, err := Open("/proc/self/stat", unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("fd flags %#x, %v: want FD_CLOEXEC", flags, err)
	}
}

func TestWriteTemp(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		data := []byte(strings.Repeat("x", i*100))
		name, err := WriteTemp(dir, ".state.json-", data)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(name) != dir || !strings.HasPrefix(filepath.Base(name), ".state.json-") || seen[name] {
			t.Fatalf("name %q: want a new name in %s starting with the prefix", name, dir)
		}
		seen[name] = true
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("content %d bytes, %v; want %d", len(got), err, len(data))
		}
		fi, _ := os.Stat(name)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
	}
	// Nothing open afterwards: every fd it made was closed.
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		if target, _ := os.Readlink("/proc/self/fd/" + e.Name()); strings.HasPrefix(target, dir) {
			t.Errorf("fd %s still open on %s", e.Name(), target)
		}
	}
	if _, err := WriteTemp(filepath.Join(dir, "missing"), "x-", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteTemp into a missing directory: %v, want fs.ErrNotExist", err)
	}
}
