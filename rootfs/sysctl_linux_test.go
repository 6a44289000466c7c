package rootfs

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A sysctl write must reach the kernel even when the visible /proc/sys is overmounted
// (a container's read-only /proc/sys, or a tmpfs planted over it): it goes through a
// private procfs, not through the path. Runs in a throwaway thread with its own mount
// and UTS namespaces, so the host's domainname is never touched.
func TestWriteSysctlsIgnoresOvermounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	errc := make(chan error, 1)
	var domain string
	go func() {
		// Never unlocked: the thread's namespaces are private, so it dies with the goroutine.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_NEWUTS); err != nil {
			errc <- err
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
			errc <- err
			return
		}
		if err := unix.Mount("tmpfs", "/proc/sys/kernel", "tmpfs", 0, ""); err != nil {
			errc <- err
			return
		}
		if err := os.WriteFile("/proc/sys/kernel/domainname", nil, 0o644); err != nil {
			errc <- err
			return
		}
		if err := WriteSysctls(map[string]string{"kernel.domainname": "berth-overmount-test"}); err != nil {
			errc <- err
			return
		}
		var u unix.Utsname
		if err := unix.Uname(&u); err != nil {
			errc <- err
			return
		}
		domain = unix.ByteSliceToString(u.Domainname[:])
		planted, _ := os.ReadFile("/proc/sys/kernel/domainname")
		if len(planted) != 0 {
			domain += " (and the planted file was written: " + strings.TrimSpace(string(planted)) + ")"
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if domain != "berth-overmount-test" {
		t.Fatalf("domainname after the write = %q", domain)
	}
}

// The LSM attribute write goes through the calling thread's verified procfs entry:
// writing an attribute of an LSM the kernel does not run must fail naming it, never
// fall back to a path.
func TestWriteThreadAttrNamesTheFile(t *testing.T) {
	err := WriteThreadAttr("berth-no-such-attr", "x")
	if err == nil || !strings.Contains(err.Error(), "/proc/thread-self/attr/berth-no-such-attr") {
		t.Fatalf("err = %v", err)
	}
}

// Without an LSM the kernel itself refuses the value (EINVAL) at the write: the verified
// open of the thread's own attribute and its reopen for writing both worked.
func TestWriteThreadAttrReachesTheKernel(t *testing.T) {
	if b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil && strings.HasPrefix(string(b), "Y") {
		t.Skip("AppArmor is enabled: the write would be a real transition")
	}
	if _, err := os.Stat("/sys/fs/selinux/enforce"); err == nil {
		t.Skip("SELinux is enabled: the write would be a real transition")
	}
	err := WriteThreadAttr("exec", "berth-test")
	if !errors.Is(err, unix.EINVAL) || !strings.HasPrefix(err.Error(), "write /proc/thread-self/attr/exec: ") {
		t.Fatalf("err = %v, want the kernel's EINVAL from the write", err)
	}
}
