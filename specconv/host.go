package specconv

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// hostProbe answers what the host offers. Checks that depend on the host go through it so
// their logic can be tested with a fake host.
type hostProbe struct {
	apparmorEnabled func() bool
	selinuxEnabled  func() bool
	// resctrlMount is the mount point of a resctrl filesystem, "" when none is mounted.
	resctrlMount func() (string, error)
	// linkExists reports whether a network interface of that name is in the runtime's
	// network namespace.
	linkExists func(name string) (bool, error)
	euid       func() int
}

var host = hostProbe{
	apparmorEnabled: AppArmorEnabled,
	selinuxEnabled:  SELinuxEnabled,
	resctrlMount:    ResctrlMount,
	linkExists:      linkExists,
	euid:            os.Geteuid,
}

// AppArmorEnabled: the module is loaded and enabled, and its securityfs is there to
// accept profile changes (the test runc and the kernel's own tools make).
func AppArmorEnabled() bool {
	if _, err := os.Stat("/sys/kernel/security/apparmor"); err != nil {
		return false
	}
	b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && strings.HasPrefix(string(b), "Y")
}

// selinuxMagic is SELINUX_MAGIC, the statfs type of selinuxfs.
const selinuxMagic = 0xf97cff8c

// SELinuxEnabled: selinuxfs is mounted at /sys/fs/selinux and the kernel gives this
// process a context (with SELinux disabled at boot the attr files answer EINVAL).
func SELinuxEnabled() bool {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/selinux", &st); err != nil || uint32(st.Type) != selinuxMagic {
		return false
	}
	b, err := os.ReadFile("/proc/self/attr/current")
	return err == nil && len(strings.Trim(string(b), "\x00\n")) > 0
}

// ResctrlMount returns where a resctrl filesystem is mounted in the runtime's mount
// namespace ("" when none is), from /proc/self/mountinfo.
func ResctrlMount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	return findResctrl(bufio.NewScanner(f))
}

// findResctrl reads mountinfo lines: "... mountpoint ... - fstype source options".
func findResctrl(sc *bufio.Scanner) (string, error) {
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) && fields[i+1] == "resctrl" && len(fields) > 4 {
				return unescapeMountinfo(fields[4]), nil
			}
		}
	}
	return "", sc.Err()
}

// unescapeMountinfo undoes the octal escapes (\040 for a space) of mountinfo paths.
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%3o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func linkExists(name string) (bool, error) {
	_, err := net.InterfaceByName(name)
	if err == nil {
		return true, nil
	}
	// The net package wraps "no such network interface" without an errno.
	var opErr *net.OpError
	if errors.As(err, &opErr) || strings.Contains(err.Error(), "no such network interface") {
		return false, nil
	}
	return false, err
}
