package specconv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// newBundle makes a bundle directory with an empty rootfs/ and returns its path.
func newBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// validSpec is Example() made acceptable to Convert (no terminal yet).
func validSpec() *specs.Spec {
	s := Example()
	s.Process.Terminal = false
	return s
}

// fakeFilesystems makes the kernel's filesystem list a fixed one for the test.
func fakeFilesystems(t *testing.T, names ...string) {
	t.Helper()
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	old := filesystemSupported
	filesystemSupported = func(fs string) (bool, error) { return set[fs], nil }
	t.Cleanup(func() { filesystemSupported = old })
}

var usualFilesystems = []string{"proc", "tmpfs", "devpts", "mqueue", "sysfs", "cgroup", "cgroup2"}

// fakeNSFS answers for made-up namespace files: kinds maps path to type, own lists the
// paths that count as berth's own namespaces.
type fakeNSFS struct {
	kinds map[string]configs.NamespaceType
	own   map[string]bool
	// maps are a user namespace file's uid and gid maps.
	maps map[string][2][]configs.IDMap
}

func (f fakeNSFS) Kind(path string) (configs.NamespaceType, error) {
	k, ok := f.kinds[path]
	if !ok {
		return "", os.ErrNotExist
	}
	return k, nil
}

func (f fakeNSFS) IsOwn(path string, _ configs.NamespaceType) (bool, error) { return f.own[path], nil }

func useNSFS(t *testing.T, f nsInspector) {
	t.Helper()
	old := nsfs
	nsfs = f
	t.Cleanup(func() { nsfs = old })
}

// wantErrContains fails unless err is non-nil and its text contains every part.
func wantErrContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got none", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func (f fakeNSFS) IDMaps(path string) (uid, gid []configs.IDMap, err error) {
	m, ok := f.maps[path]
	if !ok {
		return nil, nil, os.ErrNotExist
	}
	return m[0], m[1], nil
}
