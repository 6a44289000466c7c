package seccomp

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func smallProfile() *specs.LinuxSeccomp {
	eperm := uint(1)
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eperm},
		},
	}
}

func TestProgramRoundTrip(t *testing.T) {
	if !compiledIn {
		t.Skip("built without libseccomp")
	}
	f, err := Compile(smallProfile())
	if err != nil {
		t.Fatal(err)
	}
	g, err := FromProgram(f.Program())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.prog, g.prog) || f.flags != g.flags {
		t.Fatal("program changed in transport")
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, make([]byte, 8*4097)} {
		if _, err := decodeProgram(bad); err == nil {
			t.Errorf("malformed program of %d bytes accepted", len(bad))
		}
	}
}

func TestCompileCached(t *testing.T) {
	if !compiledIn {
		t.Skip("built without libseccomp")
	}
	dir := filepath.Join(t.TempDir(), "cache")
	want, err := Compile(smallProfile())
	if err != nil {
		t.Fatal(err)
	}
	first, err := CompileCached(smallProfile(), dir)
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("want one cached program, got %d", len(ents))
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %v, want 0700", fi.Mode().Perm())
	}
	// The second call must come from the cache: make the cached copy recognisably
	// different (a valid one-instruction program) and see it returned.
	path := filepath.Join(dir, ents[0].Name())
	marker := []byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f} // BPF_RET|BPF_K, SECCOMP_RET_ALLOW
	key, err := cacheKey(smallProfile())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, encodeEntry(key, marker), 0o600); err != nil {
		t.Fatal(err)
	}
	second, err := CompileCached(smallProfile(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.prog) != 1 {
		t.Fatalf("cache not used: %d instructions", len(second.prog))
	}
	if !reflect.DeepEqual(first.prog, want.prog) {
		t.Fatal("cached compile differs from a plain compile")
	}
	// An entry under the right name but for another key (a name collision) is not used.
	otherKey := append([]byte(nil), key...)
	otherKey[len(otherKey)-2] ^= 1
	os.WriteFile(path, encodeEntry(otherKey, marker), 0o600)
	if got, err := CompileCached(smallProfile(), dir); err != nil || !reflect.DeepEqual(got.prog, want.prog) {
		t.Fatalf("entry for another key used: %v", err)
	}
	// A corrupt entry is ignored and replaced.
	os.WriteFile(path, []byte{1, 2, 3}, 0o600)
	third, err := CompileCached(smallProfile(), dir)
	if err != nil || !reflect.DeepEqual(third.prog, want.prog) {
		t.Fatalf("corrupt cache entry not recompiled: %v", err)
	}
	// Another profile gets another entry.
	other := smallProfile()
	other.DefaultAction = specs.ActLog
	if _, err := CompileCached(other, dir); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("want two cached programs, got %d", len(ents))
	}
	// Validation still runs on a cache hit.
	bad := smallProfile()
	bad.Syscalls[0].Action = "SCMP_ACT_NOPE"
	if _, err := CompileCached(bad, dir); err == nil {
		t.Fatal("invalid profile accepted")
	}
}
