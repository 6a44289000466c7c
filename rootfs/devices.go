package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// devSetup says which parts of /dev the container gets.
type devSetup struct {
	devices bool // create c.Devices
	links   bool // /dev/fd, /dev/std{in,out,err}
	ptmx    bool // /dev/ptmx -> pts/ptmx
	core    bool // /dev/core -> /proc/kcore
}

// planDevSetup decides what to create in /dev. A /dev bound from the host is left
// alone (creating nodes there would touch the host's /dev); a /dev that is a new
// mount, or one the rootfs ships when devices were asked for, gets the nodes and links.
func planDevSetup(c *configs.Config, kcoreExists bool) devSetup {
	var devMount, ptsMount, procMount bool
	for i := range c.Mounts {
		m := &c.Mounts[i]
		switch cleanDest(m.Destination) {
		case "/dev":
			if m.IsBind() {
				return devSetup{}
			}
			devMount = true
		case "/dev/pts":
			ptsMount = true
		case "/proc":
			procMount = m.Type == "proc" && !m.IsBind()
		}
	}
	if !devMount && len(c.Devices) == 0 {
		return devSetup{}
	}
	return devSetup{
		devices: len(c.Devices) > 0,
		links:   true,
		ptmx:    ptsMount,
		core:    procMount && kcoreExists,
	}
}

// devLinks lists the /dev symlinks as name -> target.
func devLinks(s devSetup) [][2]string {
	if !s.links {
		return nil
	}
	links := [][2]string{
		{"fd", "/proc/self/fd"},
		{"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"},
	}
	if s.core {
		links = append(links, [2]string{"core", "/proc/kcore"})
	}
	return links
}

// setupDev creates the devices and /dev links the plan asks for.
func setupDev(r *root, c *configs.Config, userNS bool) error {
	_, kcoreErr := os.Stat("/proc/kcore") // host procfs: CONFIG_PROC_KCORE may be off
	plan := planDevSetup(c, kcoreErr == nil)
	if plan.devices {
		for i, d := range c.Devices {
			if err := createDevice(r, d, userNS); err != nil {
				return fmt.Errorf("devices[%d] (%s): %w", i, d.Path, err)
			}
		}
	}
	if !plan.links {
		return nil
	}
	dev, err := r.mkdirAll("/dev")
	if err != nil {
		return err
	}
	defer dev.Close()
	for _, l := range devLinks(plan) {
		if err := unix.Symlinkat(l[1], int(dev.Fd()), l[0]); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink /dev/%s -> %s: %w", l[0], l[1], err)
		}
	}
	if plan.ptmx {
		// The devpts instance's own ptmx must be used, not a host node.
		if err := unix.Unlinkat(int(dev.Fd()), "ptmx", 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("remove /dev/ptmx: %w", err)
		}
		if err := unix.Symlinkat("pts/ptmx", int(dev.Fd()), "ptmx"); err != nil {
			return fmt.Errorf("symlink /dev/ptmx -> pts/ptmx: %w", err)
		}
	}
	return nil
}

// deviceFileType maps a linux.devices type to the S_IF* bits of mknod(2).
func deviceFileType(t rune) (uint32, error) {
	switch t {
	case 'c', 'u':
		return unix.S_IFCHR, nil
	case 'b':
		return unix.S_IFBLK, nil
	case 'p':
		return unix.S_IFIFO, nil
	}
	return 0, fmt.Errorf("unknown device type %q", t)
}

// deviceNeedsBind: a user namespace may not mknod devices (fifos are fine), so the
// host's node is bound onto an empty file instead.
func deviceNeedsBind(d configs.Device, userNS bool) bool {
	return userNS && d.Type != 'p'
}

func createDevice(r *root, d configs.Device, userNS bool) error {
	p := cleanDest(d.Path)
	ftype, err := deviceFileType(d.Type)
	if err != nil {
		return err
	}
	if deviceNeedsBind(d, userNS) {
		return bindDevice(r, d, p)
	}
	dir, base := path.Split(p)
	parent, err := r.mkdirAll(dir)
	if err != nil {
		return err
	}
	defer parent.Close()
	dev := int(unix.Mkdev(uint32(d.Major), uint32(d.Minor)))
	err = sys.Mknodat(int(parent.Fd()), base, ftype|d.FileMode&0o7777, dev)
	switch {
	case errors.Is(err, unix.EEXIST):
		return nil // the rootfs already has it: keep the image's node
	case errors.Is(err, unix.EPERM) && ftype != unix.S_IFIFO:
		// No CAP_MKNOD (e.g. a nested runtime): do as in a user namespace.
		return bindDevice(r, d, p)
	case err != nil:
		return fmt.Errorf("mknod: %w", err)
	}
	if err := sys.Fchownat(int(parent.Fd()), base, int(d.UID), int(d.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	// mknod honours the umask; the config's mode is exact. The node was just made, so
	// following a symlink here cannot happen.
	if err := unix.Fchmodat(int(parent.Fd()), base, d.FileMode&0o7777, 0); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return nil
}

// bindDevice binds the host's node d.Path onto an empty file at p, after checking that
// the host node is the device the config names.
func bindDevice(r *root, d configs.Device, p string) error {
	src, err := os.OpenFile(d.Path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open host device: %w", err)
	}
	defer src.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil {
		return fmt.Errorf("stat host device: %w", err)
	}
	if err := checkHostDevice(st, d); err != nil {
		return err
	}
	target, err := r.fileTarget(p)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := sys.Mount(fdPath(src), fdPath(target), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind host device: %w", err)
	}
	return nil
}

func checkHostDevice(st unix.Stat_t, d configs.Device) error {
	want, err := deviceFileType(d.Type)
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != want {
		return fmt.Errorf("host %s is not a device of type %q", d.Path, d.Type)
	}
	if int64(unix.Major(st.Rdev)) != d.Major || int64(unix.Minor(st.Rdev)) != d.Minor {
		return fmt.Errorf("host %s is %d:%d, config says %d:%d", d.Path,
			unix.Major(st.Rdev), unix.Minor(st.Rdev), d.Major, d.Minor)
	}
	return nil
}
