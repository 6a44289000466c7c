package rootfs

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ReopenDevNull points the stdio that are the host's null device (an engine's detached
// container without stdin) at the container's own /dev/null, as runc does: a file of the
// host's mount namespace is one CRIU cannot find from the container's, so a checkpoint
// of such a container would fail. Runs in init, after the root switch.
func ReopenDevNull() error {
	var null *os.File
	defer func() {
		if null != nil {
			null.Close()
		}
	}()
	var own unix.Stat_t
	for fd := 0; fd < 3; fd++ {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil || checkDevNull(st) != nil {
			continue // closed, or not the null device
		}
		if null == nil {
			// The container's root is "/" now: nothing here resolves outside it. Still,
			// only the null device itself may stand in for the caller's.
			f, err := os.OpenFile("/dev/null", unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				return nil // no /dev/null in the container: keep the caller's
			}
			null = f
			if err := unix.Fstat(int(f.Fd()), &own); err != nil {
				return fmt.Errorf("stat /dev/null: %w", err)
			}
			if err := checkDevNull(own); err != nil {
				return err
			}
		}
		if own.Dev == st.Dev && own.Ino == st.Ino {
			continue // already the container's
		}
		if err := unix.Dup3(int(null.Fd()), fd, 0); err != nil {
			return fmt.Errorf("reopen stdio %d on the container's /dev/null: %w", fd, err)
		}
	}
	return nil
}
