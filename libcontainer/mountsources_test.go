package libcontainer

import (
	"reflect"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// The parent builds the sources of idmapped mounts, and in a user namespace those of
// binds of host paths; a source inside the rootfs is left to init.
func TestParentSourceIndexes(t *testing.T) {
	cfg := &configs.Config{Rootfs: "/b/rootfs", Mounts: []configs.Mount{
		{Type: "proc", Source: "proc", Destination: "/proc"},
		{Type: "bind", Flags: unix.MS_BIND, Source: "/srv/data", Destination: "/data"},
		{Type: "bind", Flags: unix.MS_BIND, Source: "/b/rootfs/data/sub", Destination: "/sub"},
		{Type: "bind", Flags: unix.MS_BIND, Source: "/srv/ids", Destination: "/ids",
			UIDMappings: []configs.IDMap{{ContainerID: 0, HostID: 1000, Size: 1}}},
	}}
	if got := parentSourceIndexes(cfg); !reflect.DeepEqual(got, []int{3}) {
		t.Errorf("without a user namespace: %v, want only the idmapped mount", got)
	}
	cfg.Namespaces = append(cfg.Namespaces, configs.Namespace{Type: configs.NEWUSER})
	if got := parentSourceIndexes(cfg); !reflect.DeepEqual(got, []int{1, 3}) {
		t.Errorf("in a user namespace: %v, want [1 3]", got)
	}
}

func TestDetachedPropagation(t *testing.T) {
	for root, want := range map[uintptr]uint64{
		0: unix.MS_SLAVE, unix.MS_SLAVE | unix.MS_REC: unix.MS_SLAVE,
		unix.MS_SHARED | unix.MS_REC: unix.MS_SLAVE, unix.MS_PRIVATE | unix.MS_REC: unix.MS_PRIVATE,
	} {
		if got := detachedPropagation(root); got != want {
			t.Errorf("rootfsPropagation %#x: %#x, want %#x", root, got, want)
		}
	}
}
