package specconv

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// containerd and CRI-O write a pod's user namespace as a path plus that namespace's own
// maps: the maps are kept, for create to check against the namespace once it is joined.
func TestJoinedUserNamespaceKeepsMaps(t *testing.T) {
	useNSFS(t, fakeNSFS{kinds: map[string]configs.NamespaceType{"/run/userns": configs.NEWUSER}})
	fakeFilesystems(t, usualFilesystems...)
	useHost(t, bareHost())
	s := validSpec()
	withNS(s, mountNS, ns(specs.UserNamespace, "/run/userns"))
	s.Hostname = ""
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}}
	c, err := Convert(s, Options{ID: "x", Bundle: newBundle(t)})
	if err != nil {
		t.Fatal(err)
	}
	if c.NamespacePath(configs.NEWUSER) != "/run/userns" {
		t.Fatalf("user namespace path %q", c.NamespacePath(configs.NEWUSER))
	}
	want := configs.IDMap{ContainerID: 0, HostID: 100000, Size: 65536}
	if len(c.UIDMappings) != 1 || c.UIDMappings[0] != want {
		t.Fatalf("uid maps %v, want [%v]", c.UIDMappings, want)
	}
	if len(c.GIDMappings) != 1 || c.GIDMappings[0].HostID != 200000 {
		t.Fatalf("gid maps %v", c.GIDMappings)
	}
}
