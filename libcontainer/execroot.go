package libcontainer

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openInitRoot opens the root directory of the container's init, for exec's last
// nsenter stage to start in ("runtime init reachable from the container": with no
// mount namespace to enter, it would otherwise hold the caller's root and cwd while it
// sits in the container's pid namespace). The caller holds a pidfd of init, so init
// alive after the open means /proc/<pid> was init all along.
func openInitRoot(st *State) (*os.File, error) {
	path := "/proc/" + strconv.Itoa(st.InitPid) + "/root"
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot exec in container %q: open its root: %w", st.ID, err)
	}
	if !processAlive(st.InitPid, st.InitStartTime) {
		unix.Close(fd)
		return nil, fmt.Errorf("cannot exec in container %q: it is stopped", st.ID)
	}
	return os.NewFile(uintptr(fd), path), nil
}
