package incontainer

import (
	"errors"
	"fmt"
	"os"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/pty"
	"golang.org/x/sys/unix"
)

// ErrNoDevpts: the container's /dev/pts is not a devpts whose own ptmx the runtime can
// open without following anything the container made; the process's terminal is then
// left to init, which opens /dev/ptmx from inside the container as runc does.
var ErrNoDevpts = errors.New("process.terminal: /dev/pts is not the container's devpts")

// OpenPlanPty opens a new terminal for a process set up on the one-runtime path: the
// master (for the console socket or the caller) and its peer (the process's stdio and
// controlling terminal), as preparePty leaves them. It runs on a thread in the
// container's mount namespace, its root the container's.
//
// That thread is the host's root, outside the container's device cgroup, where init is
// inside it: so it opens nothing the container may have planted (a symlink, a device
// node, a mount over the path; CVE-2025-52565 class). It reaches /dev/pts inside the root
// without magic links, checks it is a devpts, and opens that instance's own ptmx without
// following a symlink or crossing a mount, checked once more to be the ptmx device (5:2)
// of a devpts. Anything else is ErrNoDevpts.
//
// In a user namespace the thread has the host's ids, so the terminal is given to the
// host id the process's uid maps to (cfg's maps).
func OpenPlanPty(cfg *configs.Config, p *configs.Process, foreground bool) (master, peer *os.File, err error) {
	if cfg.HasNamespace(configs.NEWUSER) {
		uid, ok := configs.HostID(cfg.UIDMappings, p.UID)
		if !ok {
			return nil, nil, fmt.Errorf("process.terminal: process.user.uid %d is not mapped in linux.uidMappings", p.UID)
		}
		hostOwned := *p
		hostOwned.UID = uid
		p = &hostOwned
	}
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("process.terminal: open the container's root: %w", err)
	}
	defer unix.Close(root)
	pts, err := unix.Openat2(root, "dev/pts", &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNoDevpts, err)
	}
	defer unix.Close(pts)
	if !pty.OnDevpts(pts) {
		return nil, nil, ErrNoDevpts
	}
	m, err := unix.Openat2(pts, "ptmx", &unix.OpenHow{
		Flags:   unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ptmx: %v", ErrNoDevpts, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(m, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR ||
		st.Rdev != unix.Mkdev(5, 2) || !pty.OnDevpts(m) {
		unix.Close(m)
		return nil, nil, fmt.Errorf("%w: ptmx is not the pty multiplexer", ErrNoDevpts)
	}
	pfd, err := preparePty(m, p, foreground)
	if err != nil {
		unix.Close(m)
		return nil, nil, err
	}
	return os.NewFile(uintptr(m), "ptmx"), os.NewFile(uintptr(pfd), "pty"), nil
}
