package specconv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/moby/sys/mountinfo"
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
	infos, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("resctrl"))
	if err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	return firstMountpoint(infos), nil
}

func firstMountpoint(infos []*mountinfo.Info) string {
	if len(infos) == 0 {
		return ""
	}
	return infos[0].Mountpoint
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
