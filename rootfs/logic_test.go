package rootfs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

func TestBindRemountFlags(t *testing.T) {
	const base = unix.MS_REMOUNT | unix.MS_BIND
	tests := []struct {
		name                  string
		cur, requested, clear uintptr
		want                  uintptr
		needed                bool
	}{
		{"nothing asked", unix.MS_NOSUID, 0, 0, base | unix.MS_NOSUID, false},
		{"ro keeps inherited locked flags", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, unix.MS_RDONLY, 0,
			base | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, true},
		{"already as asked", unix.MS_RDONLY | unix.MS_NOSUID, unix.MS_RDONLY, 0, base | unix.MS_RDONLY | unix.MS_NOSUID, false},
		{"rw asked on a ro source", unix.MS_RDONLY, 0, unix.MS_RDONLY, base, true},
		{"suid asked drops inherited nosuid", unix.MS_NOSUID | unix.MS_NODEV, 0, unix.MS_NOSUID, base | unix.MS_NODEV, true},
		{"atime change", unix.MS_RELATIME, unix.MS_NOATIME, 0, base | unix.MS_NOATIME, true},
		{"same atime", unix.MS_RELATIME, unix.MS_RELATIME, 0, base | unix.MS_RELATIME, false},
		{"non per-mount flags ignored", 0, unix.MS_SYNCHRONOUS | unix.MS_REC, 0, base, false},
	}
	for _, tt := range tests {
		got, needed := bindRemountFlags(tt.cur, tt.requested, tt.clear)
		if got != tt.want || needed != tt.needed {
			t.Errorf("%s: got %#x needed=%v, want %#x needed=%v", tt.name, got, needed, tt.want, tt.needed)
		}
	}
}

func TestStatfsToMountFlags(t *testing.T) {
	got := statfsToMountFlags(unix.ST_RDONLY | unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC | unix.ST_RELATIME)
	want := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME)
	if got != want {
		t.Fatalf("got %#x, want %#x", got, want)
	}
}

func TestCheckResolved(t *testing.T) {
	tests := []struct {
		dest, resolved string
		ok             bool
	}{
		{"/proc", "/proc", true},
		{"/data", "/tmp/host-victim/data", true}, // moved, but inside the rootfs and not special
		{"/proc", "/tmp/p", false},
		{"/sys/fs/cgroup", "/x/cgroup", false},
		{"/run/x", "/proc/sys/kernel", false},
		{"/process", "/elsewhere", true}, // "/process" is not under /proc
	}
	for _, tt := range tests {
		err := checkResolved(tt.dest, tt.resolved)
		if (err == nil) != tt.ok {
			t.Errorf("checkResolved(%q, %q) = %v, want ok=%v", tt.dest, tt.resolved, err, tt.ok)
		}
	}
}

func TestCleanDestAndRelativeTo(t *testing.T) {
	if got := cleanDest("data/../etc//x"); got != "/etc/x" {
		t.Errorf("cleanDest = %q", got)
	}
	if got := cleanDest("/../../proc"); got != "/proc" {
		t.Errorf("cleanDest = %q", got)
	}
	for _, tt := range []struct {
		root, p, want string
		ok            bool
	}{
		{"/r", "/r", "/", true},
		{"/r", "/r/a/b", "/a/b", true},
		{"/r", "/rr/a", "", false},
		{"/", "/a", "/a", true},
	} {
		got, ok := relativeTo(tt.root, tt.p)
		if got != tt.want || ok != tt.ok {
			t.Errorf("relativeTo(%q, %q) = %q, %v", tt.root, tt.p, got, ok)
		}
	}
}

func TestParentMount(t *testing.T) {
	infos := []*mountinfo.Info{
		{Mountpoint: "/", Optional: "shared:1"},
		{Mountpoint: "/var", Optional: ""},
		{Mountpoint: "/var/lib", Optional: "master:3"},
		{Mountpoint: "/var/lib", Optional: "shared:7 master:3"}, // stacked on top
	}
	mp, shared := parentMount(infos)
	if mp != "/var/lib" || !shared {
		t.Fatalf("got %q shared=%v", mp, shared)
	}
	mp, shared = parentMount(infos[:2])
	if mp != "/var" || shared {
		t.Fatalf("got %q shared=%v", mp, shared)
	}
	if hasOptionalTag("master:3", "shared") || !hasOptionalTag("propagate_from:2 shared:4", "shared") {
		t.Fatal("hasOptionalTag")
	}
}

func TestRootPropagationDefault(t *testing.T) {
	if rootPropagation(0) != unix.MS_SLAVE|unix.MS_REC {
		t.Fatal("default must be rslave")
	}
	for _, later := range []uintptr{unix.MS_SHARED, unix.MS_SHARED | unix.MS_REC, unix.MS_UNBINDABLE | unix.MS_REC} {
		if rootPropagation(later) != unix.MS_SLAVE|unix.MS_REC || finalPropagation(later) != later {
			t.Errorf("%#x: must be applied after the pivot, not before", later)
		}
	}
	if finalPropagation(unix.MS_SLAVE|unix.MS_REC) != 0 || finalPropagation(unix.MS_PRIVATE) != 0 {
		t.Error("slave/private hold since Prepare: nothing to apply after the pivot")
	}
	if rootPropagation(unix.MS_PRIVATE) != unix.MS_PRIVATE {
		t.Fatal("configured propagation must be kept")
	}
}

// hybridMountinfo is this kind of host: v1 controllers plus an unused cgroup2.
const hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
90 80 0:32 / /rootfs/sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
`

const hybridProcCgroup = `12:name=systemd:/user/1
4:memory:/berth/c1
2:cpu,cpuacct:/berth/c1
1:blkio:/
0::/berth/c1
`

func mustMounts(t *testing.T, s string) []*mountinfo.Info {
	t.Helper()
	infos, err := mountinfo.GetMountsFromReader(strings.NewReader(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	return infos
}

func mustProcCgroup(t *testing.T, s string) []procCgroupLine {
	t.Helper()
	lines, err := parseProcCgroup(s)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestPlanCgroupsHybridBind(t *testing.T) {
	layout, err := planCgroups(mustMounts(t, hybridMountinfo), mustProcCgroup(t, hybridProcCgroup), "/rootfs", true)
	if err != nil {
		t.Fatal(err)
	}
	if layout.unified != nil {
		t.Fatal("hybrid host taken for pure v2")
	}
	want := []cgroupHierarchy{
		{Dir: "cpu,cpuacct", FSType: "cgroup", Options: "cpu,cpuacct", Source: "/sys/fs/cgroup/cpu,cpuacct/berth/c1", Aliases: []string{"cpu", "cpuacct"}},
		{Dir: "memory", FSType: "cgroup", Options: "memory", Source: "/sys/fs/cgroup/memory/berth/c1"},
		{Dir: "systemd", FSType: "cgroup", Options: "name=systemd", Source: "/sys/fs/cgroup/systemd/user/1"},
		{Dir: "unified", FSType: "cgroup2", Source: "/sys/fs/cgroup/unified/berth/c1"},
	}
	if !reflect.DeepEqual(layout.hierarchies, want) {
		t.Fatalf("got %+v\nwant %+v", layout.hierarchies, want)
	}
}

func TestPlanCgroupsNamespaceNeedsNoBindSource(t *testing.T) {
	// In a cgroup namespace the paths are relative to the namespace: never used.
	mi := strings.ReplaceAll(hybridMountinfo, " / /sys/fs/cgroup/memory", " /.. /sys/fs/cgroup/memory")
	layout, err := planCgroups(mustMounts(t, mi), mustProcCgroup(t, "4:memory:/\n0::/\n"), "/rootfs", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(layout.hierarchies) != 2 || layout.hierarchies[0].Dir != "memory" || layout.hierarchies[0].Source != "" ||
		layout.hierarchies[1].FSType != "cgroup2" {
		t.Fatalf("got %+v", layout.hierarchies)
	}
}

func TestPlanCgroupsSubRootAndErrors(t *testing.T) {
	mi := "35 31 0:32 /berth /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	layout, err := planCgroups(mustMounts(t, mi), mustProcCgroup(t, "4:memory:/berth/c1\n"), "/rootfs", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := layout.hierarchies[0].Source; got != "/sys/fs/cgroup/memory/c1" {
		t.Fatalf("source %q", got)
	}
	if _, err := planCgroups(mustMounts(t, mi), mustProcCgroup(t, "4:memory:/other\n"), "/rootfs", true); err == nil {
		t.Fatal("a cgroup outside the mount's root must be an error")
	}
	if _, err := planCgroups(nil, mustProcCgroup(t, "0::/\n"), "/rootfs", true); err == nil {
		t.Fatal("no cgroup fs at all must be an error")
	}
	if _, err := parseProcCgroup("garbage\n"); err == nil {
		t.Fatal("malformed /proc/self/cgroup accepted")
	}
}

func TestPlanCgroupsPureV2(t *testing.T) {
	mi := "30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
	layout, err := planCgroups(mustMounts(t, mi), mustProcCgroup(t, "0::/berth/c1\n"), "/rootfs", true)
	if err != nil {
		t.Fatal(err)
	}
	if layout.unified == nil || layout.unified.Source != "/sys/fs/cgroup/berth/c1" || len(layout.hierarchies) != 0 {
		t.Fatalf("got %+v", layout)
	}
}

func TestCgroupReadOnly(t *testing.T) {
	if !cgroupReadOnly(configs.Mount{}) {
		t.Error("default must be read-only")
	}
	if cgroupReadOnly(configs.Mount{ClearedFlags: unix.MS_RDONLY}) {
		t.Error(`"rw" must give a writable view`)
	}
	if !cgroupReadOnly(configs.Mount{Flags: unix.MS_RDONLY}) {
		t.Error(`"ro" must give a read-only view`)
	}
}

func TestPlanDevSetup(t *testing.T) {
	tmpfsDev := configs.Mount{Destination: "/dev", Type: "tmpfs"}
	pts := configs.Mount{Destination: "/dev/pts", Type: "devpts"}
	proc := configs.Mount{Destination: "/proc", Type: "proc"}
	null := configs.Device{Type: 'c', Path: "/dev/null", Major: 1, Minor: 3}
	tests := []struct {
		name  string
		c     configs.Config
		kcore bool
		want  devSetup
	}{
		{"image /dev, no devices", configs.Config{}, true, devSetup{}},
		{"image /dev with devices", configs.Config{Devices: []configs.Device{null}}, true,
			devSetup{devices: true, links: true}},
		{"tmpfs /dev", configs.Config{Mounts: []configs.Mount{proc, tmpfsDev, pts}}, true,
			devSetup{links: true, ptmx: true, core: true}},
		{"no kcore", configs.Config{Mounts: []configs.Mount{proc, tmpfsDev}}, false, devSetup{links: true}},
		{"host /dev bound", configs.Config{Mounts: []configs.Mount{{Destination: "/dev", Type: "bind", Flags: unix.MS_BIND}},
			Devices: []configs.Device{null}}, true, devSetup{}},
	}
	for _, tt := range tests {
		if got := planDevSetup(&tt.c, tt.kcore); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
	links := devLinks(devSetup{links: true, core: true})
	if len(links) != 5 || links[0] != [2]string{"fd", "/proc/self/fd"} || links[4] != [2]string{"core", "/proc/kcore"} {
		t.Fatalf("links %v", links)
	}
}

func TestDeviceDecisions(t *testing.T) {
	for r, want := range map[rune]uint32{'c': unix.S_IFCHR, 'u': unix.S_IFCHR, 'b': unix.S_IFBLK, 'p': unix.S_IFIFO} {
		if got, err := deviceFileType(r); err != nil || got != want {
			t.Errorf("deviceFileType(%q) = %#o, %v", r, got, err)
		}
	}
	if _, err := deviceFileType('x'); err == nil {
		t.Error("unknown type accepted")
	}
	if !deviceNeedsBind(configs.Device{Type: 'c'}, true) || deviceNeedsBind(configs.Device{Type: 'p'}, true) ||
		deviceNeedsBind(configs.Device{Type: 'c'}, false) {
		t.Error("deviceNeedsBind")
	}
	null := unix.Stat_t{Mode: unix.S_IFCHR | 0o666, Rdev: unix.Mkdev(1, 3)}
	if err := checkHostDevice(null, configs.Device{Type: 'c', Path: "/dev/null", Major: 1, Minor: 3}); err != nil {
		t.Error(err)
	}
	if err := checkHostDevice(null, configs.Device{Type: 'c', Path: "/dev/null", Major: 1, Minor: 5}); err == nil {
		t.Error("wrong minor accepted")
	}
	if err := checkHostDevice(null, configs.Device{Type: 'b', Path: "/dev/null", Major: 1, Minor: 3}); err == nil {
		t.Error("wrong type accepted")
	}
	if err := checkDevNull(null); err != nil {
		t.Error(err)
	}
	for _, st := range []unix.Stat_t{
		{Mode: unix.S_IFREG | 0o644},
		{Mode: unix.S_IFCHR | 0o666, Rdev: unix.Mkdev(1, 5)},
	} {
		if checkDevNull(st) == nil {
			t.Errorf("checkDevNull accepted %+v", st)
		}
	}
}

func TestSysctlPath(t *testing.T) {
	for key, want := range map[string]string{
		"net.ipv4.ip_forward":            "sys/net/ipv4/ip_forward",
		"kernel.msgmax":                  "sys/kernel/msgmax",
		"net/ipv4/conf/eth0.1/rp_filter": "sys/net/ipv4/conf/eth0.1/rp_filter",
	} {
		if got, err := sysctlPath(key); err != nil || got != want {
			t.Errorf("sysctlPath(%q) = %q, %v", key, got, err)
		}
	}
	for _, bad := range []string{"", "net..x", "../../etc/passwd", "net/../../x", "a/"} {
		if _, err := sysctlPath(bad); err == nil {
			t.Errorf("sysctlPath(%q) accepted", bad)
		}
	}
}

func TestIsInitialUIDMap(t *testing.T) {
	if !isInitialUIDMap("         0          0 4294967295\n") {
		t.Error("initial map not recognised")
	}
	if isInitialUIDMap("0 100000 65536\n") || isInitialUIDMap("0 0 4294967295\n1 1 1\n") {
		t.Error("a user namespace map taken for the initial one")
	}
}

func TestPseudoMountsToHide(t *testing.T) {
	mi := `22 27 0:21 / /proc rw - proc proc rw
23 27 0:22 / /sys rw - sysfs sysfs rw
50 22 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw
60 27 0:21 / /rootfs/proc rw - proc proc rw
61 27 0:22 /kernel /mnt/k rw - sysfs sysfs rw
62 23 0:41 / /sys/kernel/security rw - sysfs sysfs rw
`
	got := pseudoMountsToHide(mustMounts(t, mi), "/rootfs")
	want := []string{"/sys/kernel/security", "/proc", "/sys"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestWithoutOption(t *testing.T) {
	got, ok := withoutOption("newinstance,ptmxmode=0666,mode=0620,gid=5", "gid")
	if !ok || got != "newinstance,ptmxmode=0666,mode=0620" {
		t.Fatalf("got %q %v", got, ok)
	}
	if _, ok := withoutOption("mode=0620", "gid"); ok {
		t.Fatal("absent option reported present")
	}
}

func TestSysfsFallbackDecision(t *testing.T) {
	if !sysfsNeedsBind(true, false) || sysfsNeedsBind(true, true) || sysfsNeedsBind(false, false) {
		t.Fatal("sysfsNeedsBind")
	}
	m := sysfsAsBind(configs.Mount{Source: "sysfs", Type: "sysfs", Destination: "/sys", Flags: unix.MS_RDONLY, Data: "x"})
	if m.Source != "/sys" || !m.IsBind() || m.Flags&unix.MS_REC == 0 || m.Flags&unix.MS_RDONLY == 0 || m.Data != "" {
		t.Fatalf("got %+v", m)
	}
}

func TestWriteSysctlsNamesTheKey(t *testing.T) {
	err := WriteSysctls(map[string]string{"kernel.berth_no_such_sysctl": "1"})
	if err == nil || !strings.HasPrefix(err.Error(), "sysctl kernel.berth_no_such_sysctl: ") {
		t.Fatalf("err = %v", err)
	}
	err = WriteSysctls(map[string]string{"../../etc/passwd": "x"})
	if err == nil || !strings.Contains(err.Error(), "invalid sysctl key") {
		t.Fatalf("err = %v", err)
	}
}
