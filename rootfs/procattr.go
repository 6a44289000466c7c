package rootfs

import (
	"fmt"
	"path"

	"golang.org/x/sys/unix"
)

// WriteThreadAttr writes value to /proc/thread-self/attr/<name> (e.g. "exec",
// "apparmor/exec") of the calling thread, through a verified procfs: a /proc the
// container could have replaced must not receive, or fake, an LSM transition.
func WriteThreadAttr(name, value string) error {
	proc, err := openSysctlProc()
	if err != nil {
		return err
	}
	defer unix.Close(proc)
	// The ids as this procfs sees them: a private instance is in the caller's pid namespace.
	p := path.Join(fmt.Sprint(unix.Getpid()), "task", fmt.Sprint(unix.Gettid()), "attr", name)
	fd, err := unix.Openat2(proc, p, &unix.OpenHow{
		Flags:   unix.O_WRONLY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV,
	})
	if err != nil {
		return fmt.Errorf("open /proc/%s: %w", p, err)
	}
	defer unix.Close(fd)
	if err := checkProcFile(fd); err != nil {
		return fmt.Errorf("/proc/%s: %w", p, err)
	}
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return fmt.Errorf("write /proc/%s: %w", p, err)
	}
	return nil
}
