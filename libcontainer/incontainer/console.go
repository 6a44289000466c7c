package incontainer

import (
	"errors"
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"github.com/berth-runtime/berth/libcontainer/pty"
	"github.com/containerd/console"
	"golang.org/x/sys/unix"
)

// setupConsole runs in init, inside the container's root: it opens a new pty in the
// container's devpts, makes the peer init's controlling terminal and stdio, optionally
// binds it onto /dev/console, and sends the master over sock (SCM_RIGHTS).
//
// The peer comes from TIOCGPTPEER on the master and the /dev/console bind from that very
// fd through open_tree/move_mount: no path under /dev/pts is ever looked up, so a symlink
// planted there cannot redirect the bind (CVE-2025-52565).
//
// A foreground pty (berth copies its output to the caller's terminal) has ONLCR cleared
// before the process can write, as runc does: the caller's terminal already turns "\n"
// into "\r\n", and the container's "hi\n" must not arrive as "hi\r\n".
func setupConsole(sock int, p *configs.Process, mountConsole, foreground bool) error {
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("process.terminal: open /dev/ptmx: %w", err)
	}
	defer unix.Close(master)
	peer, err := preparePty(master, p, foreground)
	if err != nil {
		return err
	}
	defer unix.Close(peer)
	if mountConsole {
		if err := bindConsole(peer); err != nil {
			return err
		}
	}
	// init is a session leader (nsenter's last stage called setsid): take the terminal.
	if err := unix.IoctlSetInt(peer, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("process.terminal: set controlling terminal: %w", err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(peer, fd, 0); err != nil {
			return fmt.Errorf("process.terminal: stdio: %w", err)
		}
	}
	name, _ := pty.Name(master)
	if err := fdpass.Send(sock, []byte(name), 0, master); err != nil {
		return fmt.Errorf("send pty master to console socket: %w", err)
	}
	return nil
}

// bindConsole bind-mounts the pty peer onto /dev/console, creating the target file.
//
// Nothing already there is opened but as an O_PATH handle: on the one-runtime path this
// runs as the host's root outside the container's device cgroup, and an image's
// /dev/console may be any device node, whose driver an open would reach. A missing one
// is created with O_EXCL, which never opens what another made meanwhile.
func bindConsole(peer int) error {
	dev, err := unix.Open("/dev", unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("/dev/console: open /dev: %w", err)
	}
	defer unix.Close(dev)
	target, err := unix.Openat(dev, "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		var f int
		f, err = unix.Openat(dev, "console", unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOCTTY, 0o600)
		if err != nil {
			return fmt.Errorf("/dev/console: create: %w", err)
		}
		unix.Close(f)
		target, err = unix.Openat(dev, "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return fmt.Errorf("/dev/console: %w", err)
	}
	defer unix.Close(target)
	tree, err := unix.OpenTree(peer, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("/dev/console: clone pty mount: %w", err)
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("/dev/console: bind pty: %w", err)
	}
	return nil
}

// preparePty unlocks a new pty master and opens its peer (TIOCGPTPEER, checked to be a
// devpts terminal), owned by the process's user, with process.consoleSize and, for a
// foreground pty, ONLCR cleared: what every terminal of a container gets, on init's
// path and the one-runtime path alike.
func preparePty(master int, p *configs.Process, foreground bool) (int, error) {
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return -1, fmt.Errorf("process.terminal: unlock pty: %w", err)
	}
	peer, err := pty.Peer(master)
	if err != nil {
		return -1, err
	}
	fail := func(err error) (int, error) {
		unix.Close(peer)
		return -1, err
	}
	if err := pty.CheckPeer(peer); err != nil {
		return fail(err)
	}
	// The user owns its terminal, as after a login; the group stays devpts' tty group.
	if err := unix.Fchown(peer, int(p.UID), -1); err != nil {
		return fail(fmt.Errorf("process.terminal: chown pty to uid %d: %w", p.UID, err))
	}
	if p.ConsoleHeight > 0 || p.ConsoleWidth > 0 {
		ws := &unix.Winsize{Row: p.ConsoleHeight, Col: p.ConsoleWidth}
		if err := unix.IoctlSetWinsize(master, unix.TIOCSWINSZ, ws); err != nil {
			return fail(fmt.Errorf("process.consoleSize: %w", err))
		}
	}
	if foreground {
		if err := console.ClearONLCR(uintptr(master)); err != nil {
			return fail(fmt.Errorf("process.terminal: clear ONLCR: %w", err))
		}
	}
	return peer, nil
}
