package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// fakeKernel records privileged calls; paths given as /proc/self/fd/N are shown as the
// file they reach, relative to the test rootfs when inside it.
type fakeKernel struct {
	rootfs string
	calls  []string
	// fail returns the error for a call (described as in calls), or nil.
	fail func(call string) error
}

func (k *fakeKernel) show(p string) string {
	if strings.HasPrefix(p, "/proc/self/fd/") {
		if target, err := os.Readlink(p); err == nil {
			p = target
		}
	}
	if rel, ok := relativeTo(k.rootfs, p); ok {
		return "R" + rel
	}
	return p
}

func (k *fakeKernel) record(call string) error {
	k.calls = append(k.calls, call)
	if k.fail != nil {
		return k.fail(call)
	}
	return nil
}

func (k *fakeKernel) Mount(source, target, fstype string, flags uintptr, data string) error {
	return k.record(fmt.Sprintf("mount %s %s %s %#x %s", k.show(source), k.show(target), fstype, flags, data))
}
func (k *fakeKernel) Unmount(target string, flags int) error {
	return k.record(fmt.Sprintf("umount %s %#x", k.show(target), flags))
}
func (k *fakeKernel) MountSetattr(fd int, flags uint, attr *unix.MountAttr) error {
	return k.record(fmt.Sprintf("setattr %s %#x set=%#x clr=%#x", k.show(fmt.Sprintf("/proc/self/fd/%d", fd)), flags, attr.Attr_set, attr.Attr_clr))
}
func (k *fakeKernel) MoveMount(fromFd, toFd int) error {
	return k.record(fmt.Sprintf("move_mount %s %s", k.show(fmt.Sprintf("/proc/self/fd/%d", fromFd)), k.show(fmt.Sprintf("/proc/self/fd/%d", toFd))))
}
func (k *fakeKernel) Mknodat(dirfd int, name string, mode uint32, dev int) error {
	dir := k.show(fmt.Sprintf("/proc/self/fd/%d", dirfd))
	if err := k.record(fmt.Sprintf("mknod %s %#o %d:%d", filepath.Join(dir, name), mode, unix.Major(uint64(dev)), unix.Minor(uint64(dev)))); err != nil {
		return err
	}
	// Stand in for the node so that later chmod/chown find a file.
	fd, err := unix.Openat(dirfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err == nil {
		unix.Close(fd)
	}
	return err
}
func (k *fakeKernel) Fchownat(dirfd int, name string, uid, gid, flags int) error {
	return k.record(fmt.Sprintf("chown %s %d:%d", filepath.Join(k.show(fmt.Sprintf("/proc/self/fd/%d", dirfd)), name), uid, gid))
}
func (k *fakeKernel) PivotRoot(newroot, putold string) error { return k.record("pivot_root") }
func (k *fakeKernel) Chroot(path string) error               { return k.record("chroot " + path) }

// withFakeKernel gives a test a fresh rootfs directory and a mounter over it.
func withFakeKernel(t *testing.T) (*fakeKernel, *mounter, string) {
	t.Helper()
	rootfs, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	k := &fakeKernel{rootfs: rootfs}
	old := sys
	sys = k
	t.Cleanup(func() { sys = old })
	r, err := openRoot(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return k, &mounter{root: r}, rootfs
}

func wantCalls(t *testing.T, k *fakeKernel, want ...string) {
	t.Helper()
	if strings.Join(k.calls, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n  %s\nwant:\n  %s", strings.Join(k.calls, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestBindFileCreatesEmptyFileTarget(t *testing.T) {
	k, mt, rootfs := withFakeKernel(t)
	src := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(src, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := configs.Mount{Source: src, Destination: "/etc/resolv.conf", Type: "bind", Flags: unix.MS_BIND,
		PropagationFlags: []uintptr{unix.MS_PRIVATE}}
	if err := mt.mountEntry(0, m); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(rootfs, "etc/resolv.conf"))
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		t.Fatalf("target: %v %v", fi, err)
	}
	wantCalls(t, k,
		fmt.Sprintf("mount %s R/etc/resolv.conf  %#x ", src, unix.MS_BIND),
		fmt.Sprintf("mount  R/etc/resolv.conf  %#x ", unix.MS_PRIVATE))
}

func TestBindDirReadonlyRemountsKeepingFlagsAndSetsRecAttrs(t *testing.T) {
	k, mt, rootfs := withFakeKernel(t)
	src := t.TempDir()
	cur, err := mountFlagsOfPath(src)
	if err != nil {
		t.Fatal(err)
	}
	m := configs.Mount{Source: src, Destination: "data", Type: "bind",
		Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY, RecAttrSet: unix.MOUNT_ATTR_NOEXEC}
	if err := mt.mountEntry(0, m); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(rootfs, "data")); err != nil || !fi.IsDir() {
		t.Fatalf("target dir: %v", err)
	}
	remount, _ := bindRemountFlags(cur, unix.MS_RDONLY, 0)
	wantCalls(t, k,
		fmt.Sprintf("mount %s R/data  %#x ", src, unix.MS_BIND|unix.MS_REC),
		fmt.Sprintf("mount  R/data  %#x ", remount),
		fmt.Sprintf("setattr R/data %#x set=%#x clr=0x0", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, unix.MOUNT_ATTR_NOEXEC))
}

func mountFlagsOfPath(p string) (uintptr, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return mountFlagsOf(f)
}

// A symlink planted in the image must not make a mkdir or a mount land on the host: it
// resolves inside the rootfs, and when it dangles there its target is created there (as
// runc does, for the usual /etc/resolv.conf -> /run/... links).
func TestSymlinkEscapeStaysInRootfs(t *testing.T) {
	k, mt, rootfs := withFakeKernel(t)
	victim := filepath.Join(t.TempDir(), "host-victim")
	if err := os.Mkdir(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(rootfs, "mnt")); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	srcFile := filepath.Join(src, "f")
	if err := os.WriteFile(srcFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mounts := []configs.Mount{
		{Source: src, Destination: "/mnt/data", Type: "bind", Flags: unix.MS_BIND},
		{Source: srcFile, Destination: "/mnt/file", Type: "bind", Flags: unix.MS_BIND},
		{Source: "tmpfs", Destination: "/mnt/tmp", Type: "tmpfs"},
	}
	noHostTouch := func() {
		t.Helper()
		if entries, _ := os.ReadDir(victim); len(entries) != 0 {
			t.Fatalf("host victim got %v", entries)
		}
		for _, c := range k.calls {
			if strings.Contains(c, " "+victim) {
				t.Fatalf("a mount targets the host: %s", c)
			}
		}
	}
	// The link dangles inside the rootfs: its target is made there, never on the host.
	inside := filepath.Join(rootfs, victim)
	for i, m := range mounts {
		if err := mt.mountEntry(i, m); err != nil {
			t.Fatal(err)
		}
	}
	noHostTouch()
	for _, d := range []string{"data", "file", "tmp"} {
		if _, err := os.Stat(filepath.Join(inside, d)); err != nil {
			t.Fatalf("%s not created inside the rootfs: %v", d, err)
		}
	}
	if len(k.calls) != 3 || !strings.Contains(k.calls[0], " R"+victim+"/data ") {
		t.Fatalf("calls %q", k.calls)
	}
}

func TestProcDestinationThroughSymlinkRefused(t *testing.T) {
	k, mt, rootfs := withFakeKernel(t)
	if err := os.Mkdir(filepath.Join(rootfs, "elsewhere"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/elsewhere", filepath.Join(rootfs, "proc")); err != nil {
		t.Fatal(err)
	}
	err := mt.mountEntry(2, configs.Mount{Source: "proc", Destination: "/proc", Type: "proc"})
	if err == nil || !strings.HasPrefix(err.Error(), "mounts[2] (/proc): ") || !strings.Contains(err.Error(), "/elsewhere") {
		t.Fatalf("err = %v", err)
	}
	wantCalls(t, k)
}

func TestErrorNamesIndexAndDestination(t *testing.T) {
	k, mt, _ := withFakeKernel(t)
	k.fail = func(string) error { return unix.EINVAL }
	err := mt.mountEntry(3, configs.Mount{Source: "tmpfs", Destination: "/data", Type: "tmpfs", Data: "size=x"})
	if err == nil || err.Error() != "mounts[3] (/data): mount tmpfs: invalid argument" {
		t.Fatalf("err = %v", err)
	}
}

func TestSysfsInUserNSWithoutNetNSIsRbind(t *testing.T) {
	k, mt, _ := withFakeKernel(t)
	mt.userNS = true
	m := configs.Mount{Source: "sysfs", Destination: "/sys", Type: "sysfs",
		Flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RDONLY}
	if err := mt.mountEntry(0, m); err != nil {
		t.Fatal(err)
	}
	if len(k.calls) < 2 || k.calls[0] != fmt.Sprintf("mount /sys R/sys  %#x ", unix.MS_BIND|unix.MS_REC) ||
		!strings.HasPrefix(k.calls[1], "mount  R/sys  ") {
		t.Fatalf("calls %q", k.calls)
	}
}

func TestSysfsEPERMInUserNSFallsBackToRbind(t *testing.T) {
	k, mt, _ := withFakeKernel(t)
	mt.userNS, mt.newNetNS = true, true
	k.fail = func(c string) error {
		if strings.Contains(c, " sysfs ") {
			return unix.EPERM
		}
		return nil
	}
	if err := mt.mountEntry(0, configs.Mount{Source: "sysfs", Destination: "/sys", Type: "sysfs"}); err != nil {
		t.Fatal(err)
	}
	if len(k.calls) != 2 || !strings.Contains(k.calls[0], " sysfs ") ||
		k.calls[1] != fmt.Sprintf("mount /sys R/sys  %#x ", unix.MS_BIND|unix.MS_REC) {
		t.Fatalf("calls %q", k.calls)
	}
	// Outside a user namespace the error is the error.
	k2, mt2, _ := withFakeKernel(t)
	k2.fail = func(string) error { return unix.EPERM }
	if err := mt2.mountEntry(0, configs.Mount{Source: "sysfs", Destination: "/sys", Type: "sysfs"}); !errors.Is(err, unix.EPERM) {
		t.Fatalf("err = %v", err)
	}
}

func TestDevptsRetriesWithoutGid(t *testing.T) {
	k, mt, _ := withFakeKernel(t)
	k.fail = func(c string) error {
		if strings.Contains(c, "gid=5") {
			return unix.EINVAL
		}
		return nil
	}
	m := configs.Mount{Source: "devpts", Destination: "/dev/pts", Type: "devpts", Data: "newinstance,ptmxmode=0666,gid=5"}
	if err := mt.mountEntry(0, m); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, k, "mount devpts R/dev/pts devpts 0x0 newinstance,ptmxmode=0666,gid=5",
		"mount devpts R/dev/pts devpts 0x0 newinstance,ptmxmode=0666")
}

func TestCreateDeviceMknodOrBind(t *testing.T) {
	null := configs.Device{Type: 'c', Path: "/dev/null", Major: 1, Minor: 3, FileMode: 0o666, UID: 7, GID: 8}

	k, mt, _ := withFakeKernel(t)
	if err := createDevice(mt.root, null, false); err != nil {
		t.Fatal(err)
	}
	if len(k.calls) != 2 || k.calls[0] != fmt.Sprintf("mknod R/dev/null %#o 1:3", unix.S_IFCHR|0o666) ||
		k.calls[1] != "chown R/dev/null 7:8" {
		t.Fatalf("calls %q", k.calls)
	}

	// In a user namespace: the host node is bound onto an empty file.
	k, mt, rootfs := withFakeKernel(t)
	if err := createDevice(mt.root, null, true); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, k, fmt.Sprintf("mount /dev/null R/dev/null  %#x ", unix.MS_BIND))
	if fi, err := os.Lstat(filepath.Join(rootfs, "dev/null")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("bind target: %v", err)
	}

	// mknod refused (no CAP_MKNOD): same fallback.
	k, mt, _ = withFakeKernel(t)
	k.fail = func(c string) error {
		if strings.HasPrefix(c, "mknod") {
			return unix.EPERM
		}
		return nil
	}
	if err := createDevice(mt.root, null, false); err != nil {
		t.Fatal(err)
	}
	if len(k.calls) != 2 || !strings.HasPrefix(k.calls[1], "mount /dev/null R/dev/null") {
		t.Fatalf("calls %q", k.calls)
	}

	// The config's numbers must match the host node that is bound.
	_, mt, _ = withFakeKernel(t)
	wrong := null
	wrong.Minor = 5
	if err := createDevice(mt.root, wrong, true); err == nil {
		t.Fatal("bound a host node with other numbers than the config's")
	}
}

func TestSetupDevLinksAndPtmx(t *testing.T) {
	_, mt, rootfs := withFakeKernel(t)
	c := &configs.Config{Mounts: []configs.Mount{
		{Destination: "/dev", Type: "tmpfs"}, {Destination: "/dev/pts", Type: "devpts"},
	}}
	if err := os.MkdirAll(filepath.Join(rootfs, "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "dev/ptmx"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := setupDev(mt.root, c, false); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx"} {
		if got, err := os.Readlink(filepath.Join(rootfs, "dev", name)); err != nil || got != want {
			t.Errorf("/dev/%s -> %q (%v), want %q", name, got, err, want)
		}
	}
	if _, err := os.Lstat(filepath.Join(rootfs, "dev/core")); err == nil {
		t.Error("/dev/core made without a /proc mount")
	}
}

func TestCgroupV1BindPlanExecution(t *testing.T) {
	k, mt, rootfs := withFakeKernel(t)
	hostCg := t.TempDir()
	for _, d := range []string{"cpu,cpuacct/c1", "memory/c1"} {
		if err := os.MkdirAll(filepath.Join(hostCg, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mt.cgroups = &cgroupLayout{hierarchies: []cgroupHierarchy{
		{Dir: "cpu,cpuacct", FSType: "cgroup", Options: "cpu,cpuacct", Source: filepath.Join(hostCg, "cpu,cpuacct/c1"), Aliases: []string{"cpu", "cpuacct"}},
		{Dir: "memory", FSType: "cgroup", Options: "memory", Source: filepath.Join(hostCg, "memory/c1")},
	}}
	m := configs.Mount{Source: "cgroup", Destination: "/sys/fs/cgroup", Type: "cgroup",
		Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC}
	if err := mt.mountEntry(0, m); err != nil {
		t.Fatal(err)
	}
	bindRec := uintptr(unix.MS_BIND | unix.MS_REC)
	if len(k.calls) < 4 ||
		k.calls[0] != fmt.Sprintf("mount tmpfs R/sys/fs/cgroup tmpfs %#x mode=755", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC) ||
		k.calls[1] != fmt.Sprintf("mount %s/cpu,cpuacct/c1 R/sys/fs/cgroup/cpu,cpuacct  %#x ", hostCg, bindRec) ||
		!strings.HasPrefix(k.calls[2], "mount  R/sys/fs/cgroup/cpu,cpuacct  ") || // ro remount
		k.calls[3] != fmt.Sprintf("mount %s/memory/c1 R/sys/fs/cgroup/memory  %#x ", hostCg, bindRec) {
		t.Fatalf("calls %q", k.calls)
	}
	last := k.calls[len(k.calls)-1]
	if !strings.HasPrefix(last, "mount  R/sys/fs/cgroup  ") {
		t.Fatalf("tmpfs not remounted read-only last: %q", last)
	}
	for _, alias := range []string{"cpu", "cpuacct"} {
		if got, _ := os.Readlink(filepath.Join(rootfs, "sys/fs/cgroup", alias)); got != "cpu,cpuacct" {
			t.Errorf("alias %s -> %q", alias, got)
		}
	}

	// In a cgroup namespace each hierarchy is a cgroupfs mount with its options.
	k, mt, _ = withFakeKernel(t)
	mt.cgroupNS = true
	mt.cgroups = &cgroupLayout{hierarchies: []cgroupHierarchy{{Dir: "systemd", FSType: "cgroup", Options: "name=systemd"}}}
	if err := mt.mountEntry(0, m); err != nil {
		t.Fatal(err)
	}
	if k.calls[1] != fmt.Sprintf("mount cgroup R/sys/fs/cgroup/systemd cgroup %#x name=systemd",
		unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|unix.MS_RDONLY) {
		t.Fatalf("calls %q", k.calls)
	}
}
