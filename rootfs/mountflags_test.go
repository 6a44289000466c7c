package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// runc >= 1.2: no flag option, no remount; any flag option, exactly the flags asked.
func TestBindFlagsWanted(t *testing.T) {
	const base = unix.MS_REMOUNT | unix.MS_BIND
	cases := []struct {
		name               string
		requested, cleared uintptr
		want               uintptr
		needed             bool
	}{
		{"plain bind keeps the source's flags", unix.MS_BIND, 0, base, false},
		{"rbind too", unix.MS_BIND | unix.MS_REC, 0, base, false},
		{"ro: only ro", unix.MS_BIND | unix.MS_RDONLY, 0, base | unix.MS_RDONLY, true},
		{"nosuid,nodev", unix.MS_BIND | unix.MS_NOSUID | unix.MS_NODEV, 0, base | unix.MS_NOSUID | unix.MS_NODEV, true},
		{"rw alone clears everything", unix.MS_BIND, unix.MS_RDONLY, base, true},
		{"symfollow alone", unix.MS_BIND, unix.MS_NOSYMFOLLOW, base, true},
		{"an atime mode is passed on", unix.MS_BIND | unix.MS_NOATIME, 0, base | unix.MS_NOATIME, true},
		{"superblock flags start a remount that drops nothing they name", unix.MS_BIND | unix.MS_SYNCHRONOUS, 0, base, true},
	}
	for _, c := range cases {
		got, needed := bindFlagsWanted(c.requested, c.cleared)
		if got != c.want || needed != c.needed {
			t.Errorf("%s: got %#x needed=%v, want %#x needed=%v", c.name, got, needed, c.want, c.needed)
		}
	}
}

func TestLockedRetryFlags(t *testing.T) {
	const base = unix.MS_REMOUNT | unix.MS_BIND
	locked := uintptr(unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME)
	// ro asked on a mount with locked nosuid,nodev,noexec: keep them.
	retry, ok := lockedRetryFlags(base|unix.MS_RDONLY, locked, unix.MS_RDONLY, 0)
	if !ok || retry != base|unix.MS_RDONLY|locked {
		t.Errorf("ro over locked flags: %#x %v", retry, ok)
	}
	// "suid" asked explicitly: it cannot be, so the error stands.
	if _, ok := lockedRetryFlags(base, locked, 0, unix.MS_NOSUID); ok {
		t.Error("an explicit suid over a locked nosuid was retried")
	}
	// Another atime mode than the locked one: refused rather than silently kept.
	if _, ok := lockedRetryFlags(base|unix.MS_NOATIME, locked, unix.MS_NOATIME, 0); ok {
		t.Error("noatime over a locked relatime was retried")
	}
	// strictatime is what statfs shows as no atime flag.
	if r, ok := lockedRetryFlags(base|unix.MS_STRICTATIME, unix.MS_NOSUID, unix.MS_STRICTATIME, 0); !ok || r&unix.MS_STRICTATIME == 0 {
		t.Errorf("strictatime over a strictatime mount: %#x %v", r, ok)
	}
}

// A remount refused with EPERM (locked flags in a user namespace) is retried with the
// mount's current flags kept.
func TestBindRemountRetriesKeepingLockedFlags(t *testing.T) {
	k, mt, _ := withFakeKernel(t)
	src := t.TempDir()
	cur, err := mountFlagsOfPath(src)
	if err != nil {
		t.Fatal(err)
	}
	first := fmt.Sprintf("%#x", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY)
	k.fail = func(call string) error {
		if strings.HasSuffix(strings.TrimSpace(call), first) {
			return unix.EPERM
		}
		return nil
	}
	m := configs.Mount{Source: src, Destination: "/data", Type: "bind", Flags: unix.MS_BIND | unix.MS_RDONLY}
	if err := mt.mountEntry(0, m); err != nil {
		t.Fatal(err)
	}
	retry, _ := lockedRetryFlags(unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, cur, unix.MS_RDONLY, 0)
	wantCalls(t, k,
		fmt.Sprintf("mount %s R/data  %#x ", src, unix.MS_BIND),
		fmt.Sprintf("mount  R/data  %#x ", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY),
		fmt.Sprintf("mount  R/data  %#x ", retry))
}

func TestPlainBindIsNotRemounted(t *testing.T) {
	k, mt, _ := withFakeKernel(t)
	src := t.TempDir()
	if err := mt.mountEntry(0, configs.Mount{Source: src, Destination: "/data", Type: "bind", Flags: unix.MS_BIND | unix.MS_REC}); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, k, fmt.Sprintf("mount %s R/data  %#x ", src, unix.MS_BIND|unix.MS_REC))
}

// A tmpfs without mode= takes the mode of the directory it covers; with mode= or over
// a new directory, tmpfs decides.
func TestTmpfsTakesTheCoveredDirectorysMode(t *testing.T) {
	k, mt, rootfs := withFakeKernel(t)
	if err := os.Mkdir(filepath.Join(rootfs, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	unix.Chmod(filepath.Join(rootfs, "tmp"), 0o1777) // past the umask, with the sticky bit
	if err := os.Mkdir(filepath.Join(rootfs, "run"), 0o710); err != nil {
		t.Fatal(err)
	}
	unix.Chmod(filepath.Join(rootfs, "run"), 0o710)
	for i, m := range []configs.Mount{
		{Source: "tmpfs", Destination: "/tmp", Type: "tmpfs", Data: "size=1m"},
		{Source: "tmpfs", Destination: "/run", Type: "tmpfs", Data: "mode=755"},
		{Source: "tmpfs", Destination: "/new", Type: "tmpfs"},
	} {
		if err := mt.mountEntry(i, m); err != nil {
			t.Fatal(err)
		}
	}
	wantCalls(t, k,
		"mount tmpfs R/tmp tmpfs 0x0 mode=1777,size=1m",
		"mount tmpfs R/run tmpfs 0x0 mode=755",
		"mount tmpfs R/new tmpfs 0x0 ")
}

// A read-only tmpfs or /dev is mounted writable and made read-only at the end.
func TestReadonlyTmpfsAndDevAreDelayed(t *testing.T) {
	k, mt, rootfs := withFakeKernel(t)
	for _, d := range []string{"dev", "data"} {
		if err := os.Mkdir(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mounts := []configs.Mount{
		{Source: "tmpfs", Destination: "/dev", Type: "tmpfs", Flags: unix.MS_RDONLY | unix.MS_NOSUID, Data: "mode=755"},
		{Source: "proc", Destination: "/proc", Type: "proc", Flags: unix.MS_RDONLY},
		{Source: "tmpfs", Destination: "/data", Type: "tmpfs", Flags: unix.MS_RDONLY, Data: "mode=700"},
	}
	for i, m := range mounts {
		if err := mt.mountEntry(i, m); err != nil {
			t.Fatal(err)
		}
	}
	wantCalls(t, k,
		fmt.Sprintf("mount tmpfs R/dev tmpfs %#x mode=755", unix.MS_NOSUID),
		fmt.Sprintf("mount proc R/proc proc %#x ", unix.MS_RDONLY),
		"mount tmpfs R/data tmpfs 0x0 mode=700")
	k.calls = nil
	if err := readonlyMounts(mt.root, mounts); err != nil {
		t.Fatal(err)
	}
	// The fake mounted nothing, so the flags read back are the rootfs directory's.
	cur, _ := mountFlagsOfPath(rootfs)
	ro, _ := bindRemountFlags(cur, unix.MS_RDONLY, 0)
	wantCalls(t, k,
		fmt.Sprintf("mount  R/dev  %#x ", ro),
		fmt.Sprintf("mount  R/data  %#x ", ro))
}

// Masked directories: each once, the first under a new read-only tmpfs, the rest under
// binds of it.
func TestMaskedDirectoriesDedupedAndShareOneTmpfs(t *testing.T) {
	k, mt, rootfs := withFakeKernel(t)
	for _, d := range []string{"proc/acpi", "proc/scsi", "sys/firmware"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := maskPaths(mt.root, []string{"/proc/acpi", "/proc/scsi", "/proc/acpi/", "/sys/firmware", "/no/such/dir"}, nil); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, k,
		fmt.Sprintf("mount tmpfs R/proc/acpi tmpfs %#x ", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC),
		fmt.Sprintf("mount R/proc/acpi R/proc/scsi  %#x ", unix.MS_BIND),
		fmt.Sprintf("mount R/proc/acpi R/sys/firmware  %#x ", unix.MS_BIND))
}
