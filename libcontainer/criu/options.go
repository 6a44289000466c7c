// Package criu drives CRIU (criu.org) for `berth checkpoint` and `berth restore`: it turns
// runc's flags and a container's config into CRIU RPC requests (request.go, pure and
// unit-tested), and talks to a `criu swrk` process over its socket (swrk.go), which is
// how fds reach CRIU and how it hands back a restored terminal.
package criu

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/checkpoint-restore/go-criu/v7/rpc"
	"golang.org/x/sys/unix"
)

// Options are runc's checkpoint and restore flags, already checked.
type Options struct {
	// ImagePath holds CRIU's images (absolute).
	ImagePath string
	// WorkPath holds CRIU's log and work files (absolute); empty means ImagePath.
	WorkPath string
	// ParentPath is the previous (pre-)dump, relative to ImagePath as CRIU wants it.
	ParentPath string

	LeaveRunning    bool
	TCPEstablished  bool
	TCPSkipInFlight bool
	LinkRemap       bool
	ExtUnixSk       bool
	ShellJob        bool
	FileLocks       bool
	PreDump         bool
	AutoDedup       bool
	LazyPages       bool
	// StatusFD gets a \0 once the lazy-pages server is ready (-1: none).
	StatusFD int
	// PageServer sends the memory pages to ADDR:PORT (nil: into ImagePath).
	PageServer *PageServer
	// CgroupMode is --manage-cgroups-mode.
	CgroupMode rpc.CriuCgMode
	// EmptyNS are the CLONE_NEW* namespaces CRIU makes empty instead of restoring them.
	EmptyNS uint32

	// Restore only.
	LsmProfile      string
	LsmMountContext string
}

// PageServer is --page-server ADDRESS:PORT.
type PageServer struct {
	Address string
	Port    int32
}

// LogDir is where CRIU writes its log: the work directory, else the image directory.
func (o *Options) LogDir() string {
	if o.WorkPath != "" {
		return o.WorkPath
	}
	return o.ImagePath
}

// ParseCgroupMode reads --manage-cgroups-mode; "" leaves the choice to CRIU (soft).
func ParseCgroupMode(s string) (rpc.CriuCgMode, error) {
	switch s {
	case "":
		return rpc.CriuCgMode_DEFAULT, nil
	case "soft":
		return rpc.CriuCgMode_SOFT, nil
	case "full":
		return rpc.CriuCgMode_FULL, nil
	case "strict":
		return rpc.CriuCgMode_STRICT, nil
	case "ignore":
		return rpc.CriuCgMode_IGNORE, nil
	}
	return 0, fmt.Errorf("--manage-cgroups-mode %q: use soft, full, strict or ignore", s)
}

// CheckRestoreCgroupMode refuses strict for a restore: CRIU then insists on creating
// the container's cgroup itself, and aborts on one that exists, while berth makes the
// cgroup the config names (with its limits) and has CRIU restore into it. soft, full
// and ignore all restore into it; strict is for checkpoints (dump every property).
func CheckRestoreCgroupMode(m rpc.CriuCgMode) error {
	if m == rpc.CriuCgMode_STRICT {
		return errors.New("--manage-cgroups-mode strict: CRIU would refuse the container's cgroup, which berth makes from the config; restore with soft, full or ignore")
	}
	return nil
}

// ParsePageServer reads --page-server ADDRESS:PORT.
func ParsePageServer(s string) (*PageServer, error) {
	if s == "" {
		return nil, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("--page-server %q: use ADDRESS:PORT", s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return nil, fmt.Errorf("--page-server %q: %q is not a port number", s, port)
	}
	return &PageServer{Address: host, Port: int32(p)}, nil
}

// ParseEmptyNS reads --empty-ns: "network" is the only namespace CRIU can leave empty.
// (A container's own network namespace is left empty anyway, see emptyNS.)
func ParseEmptyNS(names []string) (uint32, error) {
	var mask uint32
	for _, n := range names {
		if n != "network" {
			return 0, fmt.Errorf("--empty-ns %q: only \"network\" can be left empty", n)
		}
		mask |= unix.CLONE_NEWNET
	}
	return mask, nil
}

// CheckImagePath: --image-path is given; for restore it must hold a checkpoint.
func CheckImagePath(path string, restore bool) (string, error) {
	if path == "" {
		return "", errors.New("--image-path is required: the directory for CRIU's images")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("--image-path %s: %w", path, err)
	}
	if !restore {
		return abs, nil
	}
	if _, err := os.Stat(filepath.Join(abs, "inventory.img")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("--image-path %s: no checkpoint there (inventory.img is missing)", abs)
		}
		return "", fmt.Errorf("--image-path %s: %w", abs, err)
	}
	return abs, nil
}

// CheckParentPath: --parent-path names an existing directory, relative to the image
// path (CRIU resolves it from there, so images can move together).
func CheckParentPath(imagePath, parent string) error {
	if parent == "" {
		return nil
	}
	if filepath.IsAbs(parent) {
		return fmt.Errorf("--parent-path %s: must be relative to --image-path", parent)
	}
	full := filepath.Join(imagePath, parent)
	fi, err := os.Stat(full)
	if err != nil {
		return fmt.Errorf("--parent-path %s: %w", parent, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("--parent-path %s: %s is not a directory", parent, full)
	}
	return nil
}

// CheckStatusFD: --status-fd is an open fd we may write to.
func CheckStatusFD(fd int) error {
	if fd < 0 {
		return nil
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return fmt.Errorf("--status-fd %d: %w", fd, err)
	}
	if flags&unix.O_ACCMODE == unix.O_RDONLY {
		return fmt.Errorf("--status-fd %d: not open for writing", fd)
	}
	return nil
}

// DirFiles opens the images directory and the work directory (when set) for CRIU.
// The work directory is made when missing, and so is the images directory for a
// checkpoint (a container can be checkpointed again into the same one).
func DirFiles(o *Options, checkpoint bool) ([]*os.File, error) {
	dirs := []string{o.ImagePath}
	if o.WorkPath != "" {
		dirs = append(dirs, o.WorkPath)
	}
	var files []*os.File
	for i, d := range dirs {
		if i > 0 || checkpoint {
			if err := os.MkdirAll(d, 0o700); err != nil {
				closeFiles(files)
				return nil, err
			}
		}
		f, err := os.OpenFile(d, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			closeFiles(files)
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// DirFDs are the fd numbers of DirFiles's directories (-1 for no work directory).
func DirFDs(dirs []*os.File) (imagesFD, workFD int) {
	workFD = -1
	if len(dirs) > 1 {
		workFD = int(dirs[1].Fd())
	}
	return int(dirs[0].Fd()), workFD
}
