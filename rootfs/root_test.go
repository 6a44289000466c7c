package rootfs

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// Root tests re-execute the test binary in a throwaway mount namespace (and more): every
// mount they make dies with that namespace, and "/" there is rprivate (Go does that for
// Unshareflags CLONE_NEWNS), so nothing reaches the host.

const childStageEnv = "BERTH_ROOTFS_TEST_STAGE"

func stage() string { return os.Getenv(childStageEnv) }

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// runStage re-runs test name in a child with the given namespaces and stage marker.
func runStage(t *testing.T, name, stageName string, attr *syscall.SysProcAttr, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(append(os.Environ(), childStageEnv+"="+stageName), env...)
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+name)) {
		t.Fatalf("stage %s failed (%v):\n%s", stageName, err, out)
	}
	t.Logf("stage %s:\n%s", stageName, out)
}

func tempRootfs(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	return rootfs
}

const nsd = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC

// typicalMounts is what a runc-spec'd config.json gives, plus two binds.
func typicalMounts(bindDir, bindFile string) []configs.Mount {
	return []configs.Mount{
		{Source: "proc", Destination: "/proc", Type: "proc", Flags: nsd},
		{Source: "tmpfs", Destination: "/dev", Type: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_STRICTATIME, Data: "mode=755,size=65536k"},
		{Source: "devpts", Destination: "/dev/pts", Type: "devpts", Flags: unix.MS_NOSUID | unix.MS_NOEXEC,
			Data: "newinstance,ptmxmode=0666,mode=0620,gid=5"},
		{Source: "shm", Destination: "/dev/shm", Type: "tmpfs", Flags: nsd, Data: "mode=1777,size=65536k"},
		{Source: "mqueue", Destination: "/dev/mqueue", Type: "mqueue", Flags: nsd},
		{Source: "sysfs", Destination: "/sys", Type: "sysfs", Flags: nsd | unix.MS_RDONLY},
		{Source: "cgroup", Destination: "/sys/fs/cgroup", Type: "cgroup", Flags: nsd | unix.MS_RELATIME | unix.MS_RDONLY},
		{Source: bindDir, Destination: "/data", Type: "bind", Flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY},
		{Source: bindFile, Destination: "/etc/config.txt", Type: "bind", Flags: unix.MS_BIND},
		{Source: "tmpfs", Destination: "/run", Type: "tmpfs", Flags: nsd, PropagationFlags: []uintptr{unix.MS_SHARED}},
		// "rro": read-only all the way down, through mount_setattr(AT_RECURSIVE).
		{Source: bindDir, Destination: "/rro", Type: "bind", Flags: unix.MS_BIND | unix.MS_REC,
			RecAttrSet: unix.MOUNT_ATTR_RDONLY},
	}
}

func typicalDevices() []configs.Device {
	return []configs.Device{
		{Type: 'c', Path: "/dev/null", Major: 1, Minor: 3, FileMode: 0o666},
		{Type: 'c', Path: "/dev/zero", Major: 1, Minor: 5, FileMode: 0o666},
		{Type: 'c', Path: "/dev/urandom", Major: 1, Minor: 9, FileMode: 0o666},
	}
}

func mountsByPoint(t *testing.T) map[string]*mountinfo.Info {
	t.Helper()
	infos, err := mountinfo.GetMounts(nil)
	if err != nil {
		t.Fatal(err)
	}
	byPoint := map[string]*mountinfo.Info{}
	for _, mi := range infos {
		byPoint[mi.Mountpoint] = mi // the last one is the top of a stack
	}
	return byPoint
}

func hasOpts(mi *mountinfo.Info, opts ...string) bool {
	have := map[string]bool{}
	for _, o := range strings.Split(mi.Options, ",") {
		have[o] = true
	}
	for _, o := range opts {
		if !have[o] {
			return false
		}
	}
	return true
}

func expectMount(t *testing.T, mounts map[string]*mountinfo.Info, point, fstype string, opts ...string) *mountinfo.Info {
	t.Helper()
	mi := mounts[point]
	if mi == nil {
		t.Fatalf("no mount at %s", point)
	}
	if fstype != "" && mi.FSType != fstype {
		t.Errorf("%s: fstype %s, want %s", point, mi.FSType, fstype)
	}
	if !hasOpts(mi, opts...) {
		t.Errorf("%s: options %s, want %v", point, mi.Options, opts)
	}
	return mi
}

func expectErrno(t *testing.T, what string, err error, want unix.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err %v, want %v", what, err, want)
	}
}

func expectCharDev(t *testing.T, p string, major, minor uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		t.Errorf("stat %s: %v", p, err)
		return
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != major || unix.Minor(st.Rdev) != minor {
		t.Errorf("%s: mode %#o dev %d:%d", p, st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
}

// checkCommonContainerView checks, from inside the new root, what both root tests share.
func checkCommonContainerView(t *testing.T, mounts map[string]*mountinfo.Info, hostRootfs string) {
	t.Helper()
	if wd, _ := os.Getwd(); wd != "/" {
		t.Errorf("cwd %q", wd)
	}
	for mp := range mounts {
		if strings.HasPrefix(mp, hostRootfs) {
			t.Errorf("old root still visible: %s", mp)
		}
	}
	expectMount(t, mounts, "/", "", "ro")
	expectMount(t, mounts, "/proc", "proc", "nosuid", "nodev", "noexec")
	expectMount(t, mounts, "/dev", "tmpfs", "nosuid")
	expectMount(t, mounts, "/dev/pts", "devpts")
	expectMount(t, mounts, "/dev/mqueue", "mqueue")
	expectMount(t, mounts, "/sys", "sysfs", "ro", "nosuid", "nodev", "noexec")
	expectMount(t, mounts, "/sys/fs/cgroup", "tmpfs", "ro")
	expectMount(t, mounts, "/sys/fs/cgroup/memory", "cgroup", "ro")
	expectMount(t, mounts, "/sys/fs/cgroup/unified", "cgroup2", "ro")
	expectMount(t, mounts, "/data", "", "ro")
	expectMount(t, mounts, "/etc/config.txt", "", "rw")
	if mi := expectMount(t, mounts, "/run", "tmpfs"); !hasOptionalTag(mi.Optional, "shared") {
		t.Errorf("/run propagation %q, want shared", mi.Optional)
	}
	expectMount(t, mounts, "/rro", "", "ro")
	expectMount(t, mounts, "/rro/sub", "tmpfs", "ro")
	expectMount(t, mounts, "/proc/timer_list", "") // masked file
	expectMount(t, mounts, "/sys/firmware", "tmpfs", "ro")
	expectMount(t, mounts, "/proc/sys", "proc", "ro")

	expectCharDev(t, "/dev/null", 1, 3)
	expectCharDev(t, "/dev/zero", 1, 5)
	expectCharDev(t, "/proc/timer_list", 1, 3)
	for link, want := range map[string]string{"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0",
		"/dev/stderr": "/proc/self/fd/2", "/dev/ptmx": "pts/ptmx"} {
		if got, err := os.Readlink(link); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want %q", link, got, err, want)
		}
	}
	if got, err := os.ReadFile("/etc/config.txt"); err != nil || string(got) != "host config\n" {
		t.Errorf("bound file: %q %v", got, err)
	}
	if entries, err := os.ReadDir("/sys/firmware"); err != nil || len(entries) != 0 {
		t.Errorf("/sys/firmware not masked: %v %v", entries, err)
	}
	_, err := os.Create("/new-file")
	expectErrno(t, "write to the read-only root", err, unix.EROFS)
	_, err = os.Create("/data/new-file")
	expectErrno(t, "write to the read-only bind", err, unix.EROFS)
	err = os.WriteFile("/proc/sys/kernel/msgmax", []byte("1"), 0)
	expectErrno(t, "write to read-only /proc/sys", err, unix.EROFS)
	if err := os.WriteFile("/dev/shm/x", []byte("x"), 0o644); err != nil {
		t.Errorf("tmpfs /dev/shm not writable: %v", err)
	}
	if got, err := os.ReadFile("/proc/sys/kernel/msgmax"); err != nil || strings.TrimSpace(string(got)) != "12345" {
		t.Errorf("sysctl kernel.msgmax = %q (%v)", got, err)
	}
}

func TestRootPrepareFinish(t *testing.T) { testRootPrepareFinish(t, false) }

// TestRootNoPivot is the same container built with --no-pivot (MS_MOVE + chroot).
func TestRootNoPivot(t *testing.T) { testRootPrepareFinish(t, true) }

func testRootPrepareFinish(t *testing.T, noPivot bool) {
	switch stage() {
	case "":
		requireRoot(t)
		rootfs := tempRootfs(t)
		src := t.TempDir()
		if err := os.WriteFile(filepath.Join(src, "config.txt"), []byte("host config\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(src, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		runStage(t, t.Name(), "container", &syscall.SysProcAttr{
			Unshareflags: syscall.CLONE_NEWNS,
			Cloneflags:   syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNET,
		}, "BERTH_TEST_ROOTFS="+rootfs, "BERTH_TEST_SRC="+src)
		if _, err := os.Stat(filepath.Join(src, "new-file")); err == nil {
			t.Error("the read-only bind was written through")
		}
	case "container":
		rootfs, src := os.Getenv("BERTH_TEST_ROOTFS"), os.Getenv("BERTH_TEST_SRC")
		// A submount in the bind source, for the recursive read-only check.
		if err := unix.Mount("tmpfs", filepath.Join(src, "sub"), "tmpfs", 0, ""); err != nil {
			t.Fatal(err)
		}
		c := &configs.Config{
			Rootfs: rootfs,
			Namespaces: []configs.Namespace{{Type: configs.NEWNS}, {Type: configs.NEWPID},
				{Type: configs.NEWIPC}, {Type: configs.NEWNET}},
			Mounts:        typicalMounts(src, filepath.Join(src, "config.txt")),
			Devices:       typicalDevices(),
			MaskedPaths:   []string{"/proc/kcore", "/proc/timer_list", "/sys/firmware", "/proc/does-not-exist"},
			ReadonlyPaths: []string{"/proc/sys", "/proc/sysrq-trigger", "/does/not/exist"},
			Readonly:      true,
			Sysctl:        map[string]string{"kernel.msgmax": "12345", "net.ipv4.ip_forward": "1"},
			NoPivot:       noPivot,
		}
		if err := Prepare(c); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		if err := Finish(c); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if err := WriteSysctls(c.Sysctl); err != nil {
			t.Fatalf("WriteSysctls: %v", err)
		}
		mounts := mountsByPoint(t)
		checkCommonContainerView(t, mounts, rootfs)
		// Without a cgroup namespace each hierarchy is a bind of our own cgroup.
		cg, err := os.ReadFile("/proc/self/cgroup")
		if err != nil {
			t.Fatal(err)
		}
		lines, _ := parseProcCgroup(string(cg))
		for _, l := range lines {
			if l.controllers == "memory" && mounts["/sys/fs/cgroup/memory"].Root != l.path {
				t.Errorf("memory cgroup mount root %s, want %s", mounts["/sys/fs/cgroup/memory"].Root, l.path)
			}
		}
		expectMount(t, mounts, "/dev/mqueue", "mqueue", "nosuid", "nodev", "noexec")
		expectMount(t, mounts, "/data", "", "ro")
		if got, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); err != nil || strings.TrimSpace(string(got)) != "1" {
			t.Errorf("net.ipv4.ip_forward = %q (%v)", got, err)
		}
		// Nodes were made with mknod: no mount on them.
		if mounts["/dev/null"] != nil {
			t.Error("/dev/null is a bind outside a user namespace")
		}
	default:
		t.Skip("other stage")
	}
}

func TestRootUserNamespace(t *testing.T) {
	switch stage() {
	case "":
		requireRoot(t)
		rootfs := tempRootfs(t)
		src := t.TempDir()
		runStage(t, t.Name(), "host-ns", &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS},
			"BERTH_TEST_ROOTFS="+rootfs, "BERTH_TEST_SRC="+src)
	case "host-ns":
		// A nosuid,nodev,noexec source: in the user namespace these flags are locked.
		src := os.Getenv("BERTH_TEST_SRC")
		if err := unix.Mount("tmpfs", src, "tmpfs", nsd, "mode=755"); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(src, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mount("tmpfs", filepath.Join(src, "sub"), "tmpfs", 0, ""); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, "config.txt"), []byte("host config\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		ids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		runStage(t, t.Name(), "container", &syscall.SysProcAttr{
			Cloneflags:   syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC | syscall.CLONE_NEWCGROUP,
			Unshareflags: syscall.CLONE_NEWNS,
			UidMappings:  ids,
			GidMappings:  ids,
		})
	case "container":
		rootfs, src := os.Getenv("BERTH_TEST_ROOTFS"), os.Getenv("BERTH_TEST_SRC")
		c := &configs.Config{
			Rootfs: rootfs,
			Namespaces: []configs.Namespace{{Type: configs.NEWUSER}, {Type: configs.NEWNS}, {Type: configs.NEWPID},
				{Type: configs.NEWIPC}, {Type: configs.NEWCGROUP}},
			Mounts:        typicalMounts(src, filepath.Join(src, "config.txt")),
			Devices:       typicalDevices(),
			MaskedPaths:   []string{"/proc/kcore", "/proc/timer_list", "/sys/firmware"},
			ReadonlyPaths: []string{"/proc/sys"},
			Readonly:      true,
			Sysctl:        map[string]string{"kernel.msgmax": "12345"},
		}
		if err := Prepare(c); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		if err := Finish(c); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if err := WriteSysctls(c.Sysctl); err != nil {
			t.Fatalf("WriteSysctls: %v", err)
		}
		mounts := mountsByPoint(t)
		checkCommonContainerView(t, mounts, rootfs)
		// ro on a source whose nosuid,nodev,noexec are locked: kept, or EPERM.
		expectMount(t, mounts, "/data", "tmpfs", "ro", "nosuid", "nodev", "noexec")
		// Devices are binds of the host's nodes; sysfs is the host's, bound.
		expectMount(t, mounts, "/dev/null", "devtmpfs")
		if mounts["/sys/kernel/security"] == nil && mounts["/sys/fs/cgroup/cpu"] == nil {
			// rbind brings the host's /sys submounts along (cgroup ones, at least).
			t.Log("note: host /sys has no submounts to check")
		}
		// In a cgroup namespace each hierarchy is a cgroupfs rooted at our cgroup.
		if mi := mounts["/sys/fs/cgroup/memory"]; mi.Root != "/" {
			t.Errorf("memory cgroupfs root %s, want /", mi.Root)
		}
	default:
		t.Skip("other stage")
	}
}

func TestRootSymlinkEscape(t *testing.T) {
	switch stage() {
	case "":
		requireRoot(t)
		rootfs := tempRootfs(t)
		victim := filepath.Join(t.TempDir(), "host-victim")
		if err := os.Mkdir(victim, 0o755); err != nil {
			t.Fatal(err)
		}
		runStage(t, t.Name(), "container", &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS},
			"BERTH_TEST_ROOTFS="+rootfs, "BERTH_TEST_VICTIM="+victim, "BERTH_TEST_SRC="+t.TempDir())
		if entries, _ := os.ReadDir(victim); len(entries) != 0 {
			t.Fatalf("host victim got %v", entries)
		}
	case "container":
		rootfs, victim, src := os.Getenv("BERTH_TEST_ROOTFS"), os.Getenv("BERTH_TEST_VICTIM"), os.Getenv("BERTH_TEST_SRC")
		if err := os.Symlink(victim, filepath.Join(rootfs, "mnt")); err != nil {
			t.Fatal(err)
		}
		c := &configs.Config{Rootfs: rootfs, Mounts: []configs.Mount{
			{Source: src, Destination: "/mnt/data", Type: "bind", Flags: unix.MS_BIND},
		}}
		// Dangling inside the rootfs: the link's target is made there (runc does too), and
		// the mounts land there, never on the host.
		c.Mounts = append(c.Mounts, configs.Mount{Source: "tmpfs", Destination: "/mnt/tmp", Type: "tmpfs"})
		if err := Prepare(c); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		mounts := mountsByPoint(t)
		for mp := range mounts {
			if strings.HasPrefix(mp, victim) {
				t.Errorf("mount on the host victim: %s", mp)
			}
		}
		expectMount(t, mounts, filepath.Join(rootfs, victim, "data"), "")
		expectMount(t, mounts, filepath.Join(rootfs, victim, "tmp"), "tmpfs")
		if entries, _ := os.ReadDir(victim); len(entries) != 0 {
			t.Fatalf("host victim got %v", entries)
		}
	default:
		t.Skip("other stage")
	}
}
