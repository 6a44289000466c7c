package libcontainer

import (
	"fmt"
	"os"
	"strconv"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// openInitRoot opens the root directory of the container's init, for exec's last
// nsenter stage to start in when the container has no mount namespace of its own
// ("runtime init reachable from the container": it would otherwise hold the caller's
// root and cwd while it sits in the container's pid namespace). With a mount namespace,
// entering it sets root and cwd to the namespace's root, as with runc: nil then. The
// caller holds a pidfd of init, so init alive after the open means /proc/<pid> was init
// all along.
func openInitRoot(st *State) (*os.File, error) {
	if st.Config == nil || st.Config.HasNamespace(configs.NEWNS) {
		return nil, nil
	}
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
