package rootfs

import (
	"fmt"

	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
)

// CVE-2019-16884 class: an LSM transition is written only through a verified procfs.
// WriteThreadAttr writes value to /proc/thread-self/attr/<name> (e.g. "exec",
// "apparmor/exec") of the calling thread, through pathrs-lite's procfs handle: a /proc
// the container could have replaced must not receive, or fake, an LSM transition.
func WriteThreadAttr(name, value string) error {
	proc, err := procfs.OpenProcRoot()
	if err != nil {
		return fmt.Errorf("open procfs: %w", err)
	}
	defer proc.Close()
	rel := "attr/" + name
	// The handle names this thread: it must be used and closed before the goroutine
	// may move to another thread (closer unlocks it).
	handle, closer, err := proc.OpenThreadSelf(rel)
	if err != nil {
		return fmt.Errorf("open /proc/thread-self/%s: %w", rel, err)
	}
	defer closer()
	defer handle.Close()
	return writeProcHandle(handle, "/proc/thread-self/"+rel, value)
}
