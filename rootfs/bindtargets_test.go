package rootfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

func TestBindTargets(t *testing.T) {
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	srcDir, srcFile := filepath.Join(dir, "srcdir"), filepath.Join(dir, "srcfile")
	for _, d := range []string{rootfs + "/real/conf", rootfs + "/etc", srcDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(srcFile, nil, 0o644)
	// An absolute symlink in the image resolves inside the rootfs, not on the host.
	if err := os.Symlink("/real/conf", rootfs+"/conf"); err != nil {
		t.Fatal(err)
	}
	bind := func(src, dest string) configs.Mount {
		return configs.Mount{Source: src, Destination: dest, Type: "bind", Flags: unix.MS_BIND}
	}
	cfg := &configs.Config{Rootfs: rootfs, Mounts: []configs.Mount{
		{Source: "tmpfs", Destination: "/dev", Type: "tmpfs"},
		bind(srcDir, "/conf"),
		bind(srcDir, "/data/new"),        // missing directory
		bind(srcFile, "etc/resolv.conf"), // missing file, relative destination
		bind(srcFile, "/dev/special"),    // under the tmpfs: CRIU restores it with the tmpfs
		bind(srcDir, "/conf/nested"),     // inside another bind: in that one's source
	}}

	got, err := BindTargets(cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/conf": "/real/conf", "/data/new": "/data/new", "etc/resolv.conf": "/etc/resolv.conf",
		"/dev/special": "/dev/special", "/conf/nested": "/conf/nested",
	}
	check := func(got map[string]string) {
		t.Helper()
		for k, v := range want {
			if got[k] != v {
				t.Errorf("target of %s: %q, want %q", k, got[k], v)
			}
		}
	}
	check(got)
	if _, err := os.Lstat(rootfs + "/data"); !os.IsNotExist(err) {
		t.Errorf("without create, /data was made: %v", err)
	}

	got, err = BindTargets(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	check(got)
	if fi, err := os.Stat(rootfs + "/data/new"); err != nil || !fi.IsDir() {
		t.Errorf("/data/new for a directory source: %v", err)
	}
	if fi, err := os.Stat(rootfs + "/etc/resolv.conf"); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("/etc/resolv.conf for a file source: %v", err)
	}
	for _, p := range []string{"/dev/special", "/real/conf/nested"} {
		if _, err := os.Lstat(rootfs + p); !os.IsNotExist(err) {
			t.Errorf("%s was made: %v", p, err)
		}
	}
}

// CgroupBinds on this host: one bind per v1 hierarchy (and a hybrid's cgroup2) of our own
// cgroups, none on pure cgroup v2.
func TestCgroupBindsOfThisProcess(t *testing.T) {
	binds, err := CgroupBinds("/sys/fs/cgroup", "/nonexistent-rootfs", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		if len(binds) != 0 {
			t.Errorf("pure cgroup v2: binds %v", binds)
		}
		return
	}
	if len(binds) == 0 {
		t.Fatal("no binds on a host with v1 hierarchies")
	}
	for _, b := range binds {
		if filepath.Dir(b.Dest) != "/sys/fs/cgroup" {
			t.Errorf("bind %s is not a hierarchy of the mount", b.Dest)
		}
		if fi, err := os.Stat(b.Source); err != nil || !fi.IsDir() {
			t.Errorf("source of %s: %v", b.Dest, err)
		}
	}
}
