package specconv

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// nsInspector looks at namespace files on the host; tests swap in a fake.
type nsInspector interface {
	// Kind checks that path is an nsfs file and returns its namespace type, or "" when
	// the kernel cannot tell (NS_GET_NSTYPE needs Linux 4.11).
	Kind(path string) (configs.NamespaceType, error)
	// IsOwn reports whether path is the namespace of type t that berth itself runs in.
	IsOwn(path string, t configs.NamespaceType) (bool, error)
	// IDMaps returns the uid and gid maps of the user namespace at path.
	IDMaps(path string) (uid, gid []configs.IDMap, err error)
}

var nsfs nsInspector = hostNSFS{}

// procNSName is each type's file name under /proc/<pid>/ns.
var procNSName = map[configs.NamespaceType]string{
	configs.NEWNET: "net", configs.NEWPID: "pid", configs.NEWNS: "mnt", configs.NEWIPC: "ipc",
	configs.NEWUTS: "uts", configs.NEWUSER: "user", configs.NEWCGROUP: "cgroup", configs.NEWTIME: "time",
}

var cloneFlagType = map[int]configs.NamespaceType{
	unix.CLONE_NEWNET: configs.NEWNET, unix.CLONE_NEWPID: configs.NEWPID, unix.CLONE_NEWNS: configs.NEWNS,
	unix.CLONE_NEWIPC: configs.NEWIPC, unix.CLONE_NEWUTS: configs.NEWUTS, unix.CLONE_NEWUSER: configs.NEWUSER,
	unix.CLONE_NEWCGROUP: configs.NEWCGROUP, unix.CLONE_NEWTIME: configs.NEWTIME,
}

type hostNSFS struct{}

func (hostNSFS) Kind(path string) (configs.NamespaceType, error) {
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "", fmt.Errorf("statfs: %w", err)
	}
	if st.Type != unix.NSFS_MAGIC {
		return "", errors.New("not a namespace file (it is not on nsfs)")
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("open: %w", err)
	}
	defer unix.Close(fd)
	flag, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil {
		if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
			return "", nil
		}
		return "", fmt.Errorf("NS_GET_NSTYPE: %w", err)
	}
	return cloneFlagType[flag], nil
}

func (hostNSFS) IsOwn(path string, t configs.NamespaceType) (bool, error) {
	var theirs, ours unix.Stat_t
	if err := unix.Stat(path, &theirs); err != nil {
		return false, err
	}
	if err := unix.Stat("/proc/self/ns/"+procNSName[t], &ours); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil // the kernel has no such namespace type, so nothing to clash with
		}
		return false, err
	}
	return theirs.Dev == ours.Dev && theirs.Ino == ours.Ino, nil
}
