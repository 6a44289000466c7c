package specconv

import "testing"

func TestProcFilesystemsParse(t *testing.T) {
	data := []byte("nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\tcgroup2\n\tvfat\n")
	for fs, want := range map[string]bool{"sysfs": true, "tmpfs": true, "ext4": true, "vfat": true,
		"cgroup2": true, "cgroup": false, "nodev": false, "xfs": false, "": false} {
		if got := procFilesystemsHas(data, fs); got != want {
			t.Errorf("procFilesystemsHas(%q) = %v, want %v", fs, got, want)
		}
	}
}

func TestModulesAliasParse(t *testing.T) {
	data := []byte("# Aliases extracted from modules themselves.\nalias fs-overlay overlay\nalias fs-xfs xfs\nalias char-major-10-229 fuse\n")
	for fs, want := range map[string]bool{"overlay": true, "xfs": true, "fuse": false, "ext4": false} {
		if got := modulesAliasHasFS(data, fs); got != want {
			t.Errorf("modulesAliasHasFS(%q) = %v, want %v", fs, got, want)
		}
	}
}

func TestHostFilesystemSupported(t *testing.T) {
	// proc and sysfs are in every Linux kernel that can run berth.
	for _, fs := range []string{"proc", "sysfs", "tmpfs"} {
		if ok, err := hostFilesystemSupported(fs); !ok || err != nil {
			t.Errorf("%s: %v, %v", fs, ok, err)
		}
	}
	for _, fs := range []string{"no-such-fs", "none", "bind", ""} {
		if ok, _ := hostFilesystemSupported(fs); ok {
			t.Errorf("%q reported as supported", fs)
		}
	}
}
