package specconv

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

func TestConvertExample(t *testing.T) {
	// The real kernel's filesystem list: every type Example uses must be mountable here.
	bundle := newBundle(t)
	spec := validSpec()
	before, _ := json.Marshal(spec)
	c, err := Convert(spec, Options{ID: "x", Bundle: bundle, NoNewKeyring: true})
	if err != nil {
		t.Fatalf("Convert(Example()): %v", err)
	}
	if after, _ := json.Marshal(spec); string(after) != string(before) {
		t.Error("Convert modified its input spec")
	}

	if want := filepath.Join(bundle, "rootfs"); c.Rootfs != want || !c.Readonly {
		t.Errorf("Rootfs = %q readonly=%v, want %q readonly", c.Rootfs, c.Readonly, want)
	}
	if c.OCIVersion != specs.Version || c.Hostname != "berth" || !c.NoNewKeyring || c.NoPivot {
		t.Errorf("version/hostname/options wrong: %q %q %v %v", c.OCIVersion, c.Hostname, c.NoNewKeyring, c.NoPivot)
	}
	wantNS := []configs.Namespace{{Type: configs.NEWPID}, {Type: configs.NEWNET}, {Type: configs.NEWIPC},
		{Type: configs.NEWUTS}, {Type: configs.NEWNS}, {Type: configs.NEWCGROUP}}
	if !reflect.DeepEqual(c.Namespaces, wantNS) {
		t.Errorf("Namespaces = %v, want %v", c.Namespaces, wantNS)
	}

	p := c.Process
	wantCaps := []int{unix.CAP_AUDIT_WRITE, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE}
	if p.Capabilities == nil || !reflect.DeepEqual(p.Capabilities.Bounding, wantCaps) ||
		!reflect.DeepEqual(p.Capabilities.Effective, wantCaps) || !reflect.DeepEqual(p.Capabilities.Permitted, wantCaps) ||
		p.Capabilities.Inheritable != nil || p.Capabilities.Ambient != nil {
		t.Errorf("Capabilities = %+v", p.Capabilities)
	}
	if !reflect.DeepEqual(p.Rlimits, []configs.Rlimit{{Type: unix.RLIMIT_NOFILE, Hard: 1024, Soft: 1024}}) {
		t.Errorf("Rlimits = %+v", p.Rlimits)
	}
	if !reflect.DeepEqual(p.Args, []string{"sh"}) || p.Cwd != "/" || !p.NoNewPrivileges || p.Terminal || len(p.Env) != 2 {
		t.Errorf("Process = %+v", p)
	}

	wantMounts := []configs.Mount{
		{Source: "proc", Destination: "/proc", Type: "proc"},
		{Source: "tmpfs", Destination: "/dev", Type: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_STRICTATIME, Data: "mode=755,size=65536k"},
		{Source: "devpts", Destination: "/dev/pts", Type: "devpts", Flags: unix.MS_NOSUID | unix.MS_NOEXEC,
			Data: "newinstance,ptmxmode=0666,mode=0620,gid=5"},
		{Source: "shm", Destination: "/dev/shm", Type: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV, Data: "mode=1777,size=65536k"},
		{Source: "mqueue", Destination: "/dev/mqueue", Type: "mqueue", Flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV},
		{Source: "sysfs", Destination: "/sys", Type: "sysfs", Flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RDONLY},
		{Source: "cgroup", Destination: "/sys/fs/cgroup", Type: "cgroup",
			Flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RELATIME | unix.MS_RDONLY},
	}
	if !reflect.DeepEqual(c.Mounts, wantMounts) {
		t.Errorf("Mounts =\n%+v\nwant\n%+v", c.Mounts, wantMounts)
	}
	if len(c.Devices) != len(defaultDevices) {
		t.Errorf("Devices = %+v, want the %d defaults", c.Devices, len(defaultDevices))
	}
	if len(c.MaskedPaths) != 11 || len(c.ReadonlyPaths) != 5 || c.MaskedPaths[0] != "/proc/acpi" {
		t.Errorf("masked %v readonly %v", c.MaskedPaths, c.ReadonlyPaths)
	}
	// The deny-all rule stays first; runc's default allow rules follow it: mknod of any
	// char and block device, the default devices, ptys, ptmx and tun.
	devs := c.Resources.Devices
	if len(devs) != 1+2+len(defaultDevices)+3 || devs[0].Allow || devs[0].Type != "a" || devs[0].Access != "rwm" {
		t.Fatalf("Resources.Devices = %+v", devs)
	}
	for i, typ := range []string{"c", "b"} {
		if d := devs[1+i]; !d.Allow || d.Type != typ || d.Major != nil || d.Minor != nil || d.Access != "m" {
			t.Errorf("rule %d = %+v, want %s *:* m", 1+i, d, typ)
		}
	}
	if d := devs[3]; !d.Allow || d.Type != "c" || *d.Major != 1 || *d.Minor != 3 || d.Access != "rwm" {
		t.Errorf("first device rule = %+v, want c 1:3 rwm", d)
	}
	if d := devs[len(devs)-3]; *d.Major != 136 || d.Minor != nil {
		t.Errorf("pts rule = %+v, want c 136:*", d)
	}
	if d := devs[len(devs)-1]; *d.Major != 10 || *d.Minor != 200 {
		t.Errorf("last rule = %+v, want c 10:200 (tun)", d)
	}
	if len(spec.Linux.Resources.Devices) != 1 {
		t.Error("Convert appended to the spec's own device rules")
	}
}

func TestConvertRootSymlinkAndRelative(t *testing.T) {
	bundle := t.TempDir()
	real := filepath.Join(bundle, "real-root")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real-root", filepath.Join(bundle, "rootfs")); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{"rootfs", "./rootfs/", filepath.Join(bundle, "rootfs")} {
		spec := validSpec()
		spec.Root.Path = root
		c, err := Convert(spec, Options{Bundle: bundle})
		if err != nil {
			t.Fatalf("root %q: %v", root, err)
		}
		if c.Rootfs != real {
			t.Errorf("root %q: Rootfs = %q, want %q", root, c.Rootfs, real)
		}
	}
}

func TestConvertErrorsAreFieldErrors(t *testing.T) {
	spec := validSpec()
	spec.Process.Cwd = "rel"
	_, err := Convert(spec, Options{Bundle: newBundle(t)})
	var fe *configs.FieldError
	if !errors.As(err, &fe) || fe.Field != "process.cwd" {
		t.Fatalf("want a *configs.FieldError for process.cwd, got %#v", err)
	}
}

func TestConvertMounts(t *testing.T) {
	fakeFilesystems(t, append(usualFilesystems, "fuse")...)
	bundle := newBundle(t)
	if err := os.Mkdir(filepath.Join(bundle, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := validSpec()
	spec.Mounts = []specs.Mount{
		{Destination: "data", Type: "bind", Source: "data"},                                   // relative dest and source
		{Destination: "/a/../b", Type: "none", Source: "/", Options: []string{"rbind", "ro"}}, // option makes it a bind
		{Destination: "/c", Type: "tmpfs"},                                                    // empty source
		{Destination: "/d", Type: "ext4", Source: "/", Options: []string{"bind"}},             // any type + bind = bind
	}
	c, err := Convert(spec, Options{Bundle: bundle})
	if err != nil {
		t.Fatal(err)
	}
	want := []configs.Mount{
		{Source: filepath.Join(bundle, "data"), Destination: "/data", Type: "bind", Flags: unix.MS_BIND},
		{Source: "/", Destination: "/b", Type: "bind", Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY},
		{Source: "tmpfs", Destination: "/c", Type: "tmpfs"},
		{Source: "/", Destination: "/d", Type: "bind", Flags: unix.MS_BIND},
	}
	if !reflect.DeepEqual(c.Mounts, want) {
		t.Errorf("Mounts =\n%+v\nwant\n%+v", c.Mounts, want)
	}
	for _, m := range c.Mounts {
		if m.Type == "bind" && !m.IsBind() {
			t.Errorf("%s: IsBind() false", m.Destination)
		}
	}
}

func TestConvertUserNamespace(t *testing.T) {
	spec := validSpec()
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 1}, {ContainerID: 1, HostID: 300000, Size: 10}}
	spec.Process.User = specs.User{UID: 1, GID: 2, AdditionalGids: []uint32{3, 4}, Umask: ptr(uint32(0o22))}
	spec.Process.OOMScoreAdj = ptr(-1000)
	// user.* sysctls are per user namespace (runc 1.5).
	spec.Linux.Sysctl = map[string]string{"user.max_user_namespaces": "5"}
	c, err := Convert(spec, Options{Bundle: newBundle(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.UIDMappings, []configs.IDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}) ||
		!reflect.DeepEqual(c.GIDMappings, []configs.IDMap{{ContainerID: 0, HostID: 200000, Size: 1}, {ContainerID: 1, HostID: 300000, Size: 10}}) {
		t.Errorf("mappings %+v %+v", c.UIDMappings, c.GIDMappings)
	}
	p := c.Process
	if p.UID != 1 || p.GID != 2 || !reflect.DeepEqual(p.AdditionalGids, []uint32{3, 4}) || *p.Umask != 0o22 || *p.OOMScoreAdj != -1000 {
		t.Errorf("user settings not copied: %+v", p)
	}
	if p.Umask == spec.Process.User.Umask {
		t.Error("Umask pointer shared with the spec")
	}
}

// Joining namespaces is checked against the real nsfs: berth's own ones are at hand.
func TestConvertJoinNamespaces(t *testing.T) {
	spec := validSpec()
	spec.Linux.Namespaces[0].Path = "/proc/self/ns/pid"
	spec.Linux.Namespaces[2].Path = "/proc/self/ns/ipc"
	c, err := Convert(spec, Options{Bundle: newBundle(t)})
	if err != nil {
		t.Fatal(err)
	}
	if c.NamespacePath(configs.NEWPID) != "/proc/self/ns/pid" || c.NamespacePath(configs.NEWNET) != "" {
		t.Errorf("Namespaces = %+v", c.Namespaces)
	}

	spec = validSpec()
	spec.Linux.Namespaces[2].Path = "/proc/self/ns/net" // an ipc entry pointing at a net ns
	_, err = Convert(spec, Options{Bundle: newBundle(t)})
	wantErrContains(t, err, "linux.namespaces[2].path: /proc/self/ns/net is a network namespace, not ipc")

	spec = validSpec()
	spec.Linux.Namespaces[1].Path = "/etc/hostname" // exists, but not a namespace
	_, err = Convert(spec, Options{Bundle: newBundle(t)})
	wantErrContains(t, err, "linux.namespaces[1].path: /etc/hostname: not a namespace file")

	spec = validSpec()
	spec.Linux.Namespaces[1].Path = "/proc/self/ns/net"
	spec.Linux.Sysctl = map[string]string{"net.core.somaxconn": "1"}
	_, err = Convert(spec, Options{Bundle: newBundle(t)})
	wantErrContains(t, err, `linux.sysctl["net.core.somaxconn"]: the network namespace to join (/proc/self/ns/net) is the host's`)
}

func TestConvertSysctlAccepted(t *testing.T) {
	useNSFS(t, fakeNSFS{kinds: map[string]configs.NamespaceType{"/run/netns/a": configs.NEWNET}})
	spec := validSpec()
	spec.Linux.Namespaces[1].Path = "/run/netns/a" // someone else's: allowed
	in := map[string]string{
		"net.ipv4.ip_forward": "1", "net/ipv4/conf/eth0.100/forwarding": "1",
		"kernel.msgmax": "1", "kernel.msgmnb": "1", "kernel.msgmni": "1", "kernel.sem": "1 2 3 4",
		"kernel.shmall": "1", "kernel.shmmax": "1", "kernel.shmmni": "1", "kernel.shm_rmid_forced": "1",
		"fs.mqueue.queues_max": "1", "kernel.hostname": "h", "kernel.domainname": "d",
	}
	spec.Linux.Sysctl = in
	c, err := Convert(spec, Options{Bundle: newBundle(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Sysctl, in) {
		t.Errorf("Sysctl = %v", c.Sysctl)
	}
}

func TestConvertHooksAndMisc(t *testing.T) {
	exe, _ := hookFiles(t)
	spec := validSpec()
	spec.Hooks = &specs.Hooks{
		Prestart:       []specs.Hook{{Path: exe, Args: []string{"hook", "x"}, Timeout: ptr(5)}},
		StartContainer: []specs.Hook{{Path: "/only/in/the/container"}},
		Poststop:       []specs.Hook{{Path: exe, Env: []string{"A=b"}}},
	}
	spec.Linux.RootfsPropagation = "rshared"
	spec.Linux.CgroupsPath = "/my/cgroup"
	spec.Annotations = map[string]string{"a": "b"}
	spec.Domainname = "example.org"
	c, err := Convert(spec, Options{Bundle: newBundle(t), NoPivot: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Hooks, spec.Hooks) || c.Hooks == spec.Hooks {
		t.Errorf("Hooks = %+v, want a copy of %+v", c.Hooks, spec.Hooks)
	}
	if c.RootPropagation != unix.MS_SHARED|unix.MS_REC || !c.NoPivot {
		t.Errorf("RootPropagation = %#x", c.RootPropagation)
	}
	if c.CgroupsPath != "/my/cgroup" || c.Annotations["a"] != "b" || c.Domainname != "example.org" {
		t.Errorf("cgroupsPath/annotations/domainname not copied: %+v", c)
	}
	spec.Annotations["a"] = "changed"
	if c.Annotations["a"] != "b" {
		t.Error("Annotations shared with the spec")
	}
}

func TestRootPropagationValues(t *testing.T) {
	want := map[string]uintptr{
		"": 0, "private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
		"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
		"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
		"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
	}
	for p, flags := range want {
		got, err := convertRootPropagation(p, false)
		if err != nil || got != flags {
			t.Errorf("%q: got %#x, %v; want %#x", p, got, err, flags)
		}
	}
}

func TestConvertCapabilitiesDedup(t *testing.T) {
	spec := validSpec()
	spec.Process.Capabilities = &specs.LinuxCapabilities{
		Bounding: []string{"CAP_KILL", "CAP_CHOWN", "CAP_KILL"},
		Ambient:  []string{"CAP_CHECKPOINT_RESTORE"},
	}
	c, err := Convert(spec, Options{Bundle: newBundle(t)})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Process.Capabilities
	if !reflect.DeepEqual(got.Bounding, []int{unix.CAP_KILL, unix.CAP_CHOWN}) || !reflect.DeepEqual(got.Ambient, []int{40}) ||
		got.Effective != nil {
		t.Errorf("Capabilities = %+v", got)
	}

	spec.Process.Capabilities = nil
	if c, err = Convert(spec, Options{Bundle: newBundle(t)}); err != nil || c.Process.Capabilities != nil {
		t.Errorf("absent capabilities: %+v, %v", c.Process.Capabilities, err)
	}
}

// A bind source inside the rootfs may be made by an earlier mount: it is resolved at
// mount time, not checked here; a missing host path still is.
func TestBindSourceInsideRootfsIsNotChecked(t *testing.T) {
	spec := validSpec()
	bundle := newBundle(t)
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/second", Type: "bind", Source: "rootfs/first/sub", Options: []string{"rbind"}})
	c, err := Convert(spec, Options{Bundle: bundle})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Mounts[len(c.Mounts)-1].Source; got != filepath.Join(c.Rootfs, "first/sub") {
		t.Errorf("source = %q", got)
	}
	spec.Mounts[len(spec.Mounts)-1].Source = filepath.Join(bundle, "not-in-rootfs")
	if _, err := Convert(spec, Options{Bundle: bundle}); err == nil {
		t.Error("a missing host source was accepted")
	}
}
