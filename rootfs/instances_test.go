package rootfs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// What a container's first process makes for a runtime building the rootfs from outside
// its user namespace: every new filesystem but proc and cgroupfs, as mount(2) would make
// it (the data's options one by one, superblock flags as fsconfig flags, the rest as
// mount attributes, read-only left for later where mountFilesystem leaves it), the
// v1 cgroup tmpfs, the masks' tmpfs.
func TestInstanceSpecs(t *testing.T) {
	c := &configs.Config{
		Namespaces: []configs.Namespace{{Type: configs.NEWUSER}, {Type: configs.NEWNET}},
		Mounts: []configs.Mount{
			{Type: "proc", Source: "proc", Destination: "/proc"},
			{Type: "tmpfs", Source: "tmpfs", Destination: "/dev", Flags: unix.MS_NOSUID | unix.MS_STRICTATIME, Data: "mode=755,size=65536k"},
			{Type: "devpts", Source: "devpts", Destination: "/dev/pts", Flags: unix.MS_NOSUID | unix.MS_NOEXEC,
				Data: "newinstance,ptmxmode=0666,mode=0620,gid=5"},
			{Type: "tmpfs", Source: "shm", Destination: "/dev/shm", Flags: unix.MS_RDONLY | unix.MS_NODEV | unix.MS_SHARED},
			{Type: "mqueue", Destination: "/dev/mqueue", Flags: unix.MS_RDONLY | unix.MS_SYNCHRONOUS},
			{Type: "sysfs", Source: "sysfs", Destination: "/sys", Flags: unix.MS_RDONLY},
			{Type: "cgroup", Source: "cgroup", Destination: "/sys/fs/cgroup"},
			{Type: "bind", Source: "/etc", Destination: "/etc", Flags: unix.MS_BIND},
		},
		MaskedPaths: []string{"/proc/acpi"},
	}
	got, err := InstanceSpecs(c, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []InstanceSpec{
		{Key: 1, Type: "tmpfs", Source: "tmpfs", Attrs: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_STRICTATIME,
			Options: []InstanceOption{{Key: "mode", Value: "755"}, {Key: "size", Value: "65536k"}}},
		{Key: 2, Type: "devpts", Source: "devpts", Attrs: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NOEXEC,
			Options: []InstanceOption{{Key: "newinstance"}, {Key: "ptmxmode", Value: "0666"}, {Key: "mode", Value: "0620"},
				{Key: "gid", Value: "5", Optional: true}}},
		// A read-only tmpfs is made writable, and read-only once the container is built.
		{Key: 3, Type: "tmpfs", Source: "shm", Attrs: unix.MOUNT_ATTR_NODEV, Late: true},
		{Key: 4, Type: "mqueue", Source: "mqueue", Attrs: unix.MOUNT_ATTR_RDONLY,
			Options: []InstanceOption{{Key: "ro"}, {Key: "sync"}}},
		{Key: 5, Type: "sysfs", Source: "sysfs", Attrs: unix.MOUNT_ATTR_RDONLY, Options: []InstanceOption{{Key: "ro"}}},
		{Key: 6, Type: "tmpfs", Source: "tmpfs", Attrs: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC,
			Options: []InstanceOption{{Key: "mode", Value: "755"}}},
		{Key: MaskInstance, Type: "tmpfs", Source: "tmpfs", Attrs: maskAttrs, Options: []InstanceOption{{Key: "ro"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}

	// A pure v2 host needs no cgroup tmpfs; sysfs without a network namespace of its own
	// is a bind of the host's.
	c.Namespaces = c.Namespaces[:1]
	c.MaskedPaths = nil
	got, _ = InstanceSpecs(c, true)
	var keys []int
	for _, s := range got {
		keys = append(keys, s.Key)
	}
	if !reflect.DeepEqual(keys, []int{1, 2, 3, 4}) {
		t.Errorf("pure v2, no netns: instances %v, want 1-4", keys)
	}

	c.Mounts = append(c.Mounts, configs.Mount{Type: "tmpfs", Destination: "/x", Flags: unix.MS_REMOUNT})
	if _, err := InstanceSpecs(c, true); err == nil || !strings.Contains(err.Error(), "mounts[8] (/x): mount flags 0x20 cannot be given to fsmount") {
		t.Errorf("a flag fsmount lacks: %v", err)
	}
}
