package specconv

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// runtime-spec: a namespace type that is not listed is inherited; a listed one with a
// path is joined. Both hold for the mount namespace too (as with runc).
func TestMountNamespaceInheritedOrJoined(t *testing.T) {
	fakeFilesystems(t, usualFilesystems...)
	useNSFS(t, fakeNSFS{kinds: map[string]configs.NamespaceType{"/proc/9/ns/mnt": configs.NEWNS}})

	s := validSpec()
	withNS(s, ns(specs.PIDNamespace))
	s.Hostname = ""
	c, err := Convert(s, Options{Bundle: newBundle(t)})
	if err != nil {
		t.Fatalf("no mount namespace: %v", err)
	}
	if c.HasNamespace(configs.NEWNS) {
		t.Fatal("a mount namespace appeared")
	}

	s = validSpec()
	for i := range s.Linux.Namespaces {
		if s.Linux.Namespaces[i].Type == specs.MountNamespace {
			s.Linux.Namespaces[i].Path = "/proc/9/ns/mnt"
		}
	}
	c, err = Convert(s, Options{Bundle: newBundle(t)})
	if err != nil {
		t.Fatalf("joined mount namespace: %v", err)
	}
	if c.NamespacePath(configs.NEWNS) != "/proc/9/ns/mnt" {
		t.Fatalf("joined path lost: %+v", c.Namespaces)
	}
}
