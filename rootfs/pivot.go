package rootfs

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// Finish completes the root after the createContainer hooks ran: switch into c.Rootfs,
// then maskedPaths, readonlyPaths and, with c.Readonly, a read-only "/".
func Finish(c *configs.Config) error {
	rootfs := filepath.Clean(c.Rootfs)
	var err error
	if c.NoPivot {
		err = moveRoot(rootfs)
	} else {
		err = pivotRoot(rootfs)
	}
	if err != nil {
		return err
	}
	r, err := openNewRoot()
	if err != nil {
		return err
	}
	defer r.Close()
	if err := masks(r, c, nil); err != nil {
		return err
	}
	return finishRoot(r, c)
}

// openNewRoot stands in the root just switched to and opens it.
func openNewRoot() (*root, error) {
	if err := unix.Chdir("/"); err != nil {
		return nil, fmt.Errorf("chdir /: %w", err)
	}
	return openRoot("/")
}

// FinishFromOutside is Finish for a rootfs built by a thread of the runtime (nsenter's
// plan mode, see incontainer.PlanRoot). That thread is not in the container's pid
// namespace, so after the pivot the container's /proc has no /proc/self for it, whose
// magic links let the masked directories share one tmpfs. The masks and read-only paths
// are made first, through the rootfs's handle while the runtime's /proc still serves
// them; the pivot takes them along.
//
// mask is the masked directories' tmpfs the container's first process made (its
// Instances, MaskInstance), or nil.
func FinishFromOutside(c *configs.Config, mask *Instance) error {
	rootfs := filepath.Clean(c.Rootfs)
	before, err := openRoot(rootfs)
	if err != nil {
		return err
	}
	err = masks(before, c, mask)
	before.Close()
	if err != nil {
		return err
	}
	if err := pivotRoot(rootfs); err != nil {
		return err
	}
	r, err := openNewRoot()
	if err != nil {
		return err
	}
	defer r.Close()
	return finishRoot(r, c)
}

// masks applies maskedPaths, then readonlyPaths, in the root r.
func masks(r *root, c *configs.Config, mask *Instance) error {
	if err := maskPaths(r, c.MaskedPaths, mask); err != nil {
		return err
	}
	return readonlyPaths(r, c.ReadonlyPaths)
}

// finishRoot makes the container's root (r, "/" by now) read-only if asked and gives it
// its propagation.
func finishRoot(r *root, c *configs.Config) error {
	if c.Readonly {
		if err := remountRootReadonly(r); err != nil {
			return err
		}
	}
	// Last: an unbindable root would refuse the masked paths' binds above.
	if p := finalPropagation(c.RootPropagation); p != 0 {
		if err := sys.Mount("", "/", "", p, ""); err != nil {
			return fmt.Errorf("linux.rootfsPropagation: set %#x on the container's root: %w", p, err)
		}
	}
	return nil
}

// pivotRoot makes rootfs the root with pivot_root(".", "."), which stacks the old root
// on top of the new one, then detaches the old root.
func pivotRoot(rootfs string) error {
	oldRoot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldRoot)
	newRoot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new root %s: %w", rootfs, err)
	}
	defer unix.Close(newRoot)
	if err := unix.Fchdir(newRoot); err != nil {
		return fmt.Errorf("chdir %s: %w", rootfs, err)
	}
	if err := sys.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", rootfs, err)
	}
	// Standing in the old root, now mounted over the new one.
	if err := unix.Fchdir(oldRoot); err != nil {
		return fmt.Errorf("chdir old root: %w", err)
	}
	// rslave first: with a shared root propagation the unmount would reach the host.
	if err := sys.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	if err := sys.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount old root: %w", err)
	}
	return nil
}

// moveRoot is --no-pivot: move the rootfs mount over "/" and chroot into it. The host's
// full procfs/sysfs mounts stay in this mount namespace behind the chroot, and would
// let the container mount new ones, so they are detached (or covered) first.
func moveRoot(rootfs string) error {
	infos, err := threadMounts(nil)
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	for _, mp := range pseudoMountsToHide(infos, rootfs) {
		if err := hideMount(mp); err != nil {
			return err
		}
	}
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("chdir %s: %w", rootfs, err)
	}
	if err := sys.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move %s to /: %w", rootfs, err)
	}
	if err := sys.Chroot("."); err != nil {
		return fmt.Errorf("chroot %s: %w", rootfs, err)
	}
	return nil
}

// pseudoMountsToHide lists the full procfs and sysfs mounts outside the rootfs,
// deepest first.
func pseudoMountsToHide(infos []*mountinfo.Info, rootfs string) []string {
	var mps []string
	for _, mi := range infos {
		if mi.FSType != "proc" && mi.FSType != "sysfs" || mi.Root != "/" {
			continue
		}
		if mi.Mountpoint == rootfs || strings.HasPrefix(mi.Mountpoint, rootfs+"/") {
			continue
		}
		mps = append(mps, mi.Mountpoint)
	}
	// Deepest first, so a parent's detach does not hide a child we still list.
	for i := 1; i < len(mps); i++ {
		for j := i; j > 0 && len(mps[j]) > len(mps[j-1]); j-- {
			mps[j], mps[j-1] = mps[j-1], mps[j]
		}
	}
	return mps
}

func hideMount(mp string) error {
	if err := sys.Mount("", mp, "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("make %s rslave: %w", mp, err)
	}
	err := sys.Unmount(mp, unix.MNT_DETACH)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("unmount %s: %w", mp, err)
	}
	// A locked mount (user namespace) cannot be removed: cover it instead.
	if err := sys.Mount("tmpfs", mp, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("cover %s: %w", mp, err)
	}
	return nil
}
