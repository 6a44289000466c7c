package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/berth-runtime/berth/internal/timerslack"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	"golang.org/x/sys/unix"
)

// Mount sources the parent builds. Idmapped mounts: mount_setattr(MOUNT_ATTR_IDMAP)
// wants CAP_SYS_ADMIN in the user namespace of the filesystem (the initial one for ext4,
// tmpfs...) and a mount not yet attached anywhere. So the parent, host root, clones each
// source with open_tree, idmaps the clone, and passes it to init, which attaches it with
// move_mount. In a user namespace the same goes for every bind of a host path (as runc
// does): init, an unprivileged uid on the host, could not even reach a source under a
// 0700 root-owned directory, while the parent opens it with the runtime's privileges.
//
// Protocol: the config lists the mounts (initproto.InitConfig.MountSources); after config, init
// sends mount-sources and the parent answers with one mount-source packet per listed
// mount, in that order, each carrying its tree (initproto.Parent.SendMountSource).

// parentSourceIndexes lists the mounts of cfg whose source the parent builds: the
// idmapped ones, and in a user namespace the binds of host paths (a source inside the
// rootfs is init's to resolve, see rootfs.openBindSource).
func parentSourceIndexes(cfg *configs.Config) []int {
	var idx []int
	userns := cfg.HasNamespace(configs.NEWUSER)
	rootfs := filepath.Clean(cfg.Rootfs)
	for i := range cfg.Mounts {
		m := &cfg.Mounts[i]
		inRootfs := m.Source == rootfs || strings.HasPrefix(m.Source, rootfs+"/")
		if m.IsIDMapped() || (userns && m.IsBind() && !inRootfs) {
			idx = append(idx, i)
		}
	}
	return idx
}

// idmapSources are the detached trees the parent built (fds), and the mount each is for.
type idmapSources struct {
	fds, idx []int
}

// buildIDMapSources clones the source of every mount parentSourceIndexes names, and
// idmaps the clones of idmapped mounts. A plain bind the runtime cannot clone (a
// rootless runtime may not) is left out: init then opens its source itself.
func buildIDMapSources(cfg *configs.Config) (s *idmapSources, err error) {
	s = &idmapSources{}
	idx := parentSourceIndexes(cfg)
	if len(idx) == 0 {
		return s, nil
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	userns := map[string]int{} // one throwaway user namespace per distinct mapping
	defer func() {
		for _, fd := range userns {
			unix.Close(fd)
		}
	}()
	prop := detachedPropagation(cfg.RootPropagation)
	for _, i := range idx {
		m := &cfg.Mounts[i]
		if !m.IsIDMapped() {
			fd, err := clonedTree(m, prop)
			if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
				continue
			}
			if err != nil {
				return s, fmt.Errorf("mounts[%d] (%s): %w", i, m.Destination, err)
			}
			s.fds, s.idx = append(s.fds, fd), append(s.idx, i)
			continue
		}
		key := fmt.Sprint(m.UIDMappings, m.GIDMappings)
		nsfd, ok := userns[key]
		if !ok {
			if nsfd, err = mappedUserNS(m.UIDMappings, m.GIDMappings); err != nil {
				return s, fmt.Errorf("mounts[%d] (%s): user namespace for the idmapping: %w", i, m.Destination, err)
			}
			userns[key] = nsfd
		}
		fd, err := idmappedTree(m, nsfd, prop)
		if err != nil {
			return s, fmt.Errorf("mounts[%d] (%s): %w", i, m.Destination, err)
		}
		s.fds, s.idx = append(s.fds, fd), append(s.idx, i)
	}
	return s, nil
}

// detachedPropagation is the propagation a cloned tree gets before init attaches it:
// a clone of a shared host mount would otherwise stay in the host's peer group, and
// mounts made below it in the container would show up on the host. It matches what
// the container's other mounts get from linux.rootfsPropagation: private when that
// asks for private, slave (host mounts still arrive) otherwise.
func detachedPropagation(rootPropagation uintptr) uint64 {
	if rootPropagation&unix.MS_PRIVATE != 0 {
		return unix.MS_PRIVATE
	}
	return unix.MS_SLAVE
}

// clonedTree clones m.Source (recursively for rbind) as a detached tree.
func clonedTree(m *configs.Mount, prop uint64) (int, error) {
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if m.Flags&unix.MS_REC != 0 {
		flags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, m.Source, flags)
	if err != nil {
		return -1, fmt.Errorf("open_tree %s: %w", m.Source, err)
	}
	attr := unix.MountAttr{Propagation: prop}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("set the propagation of the clone of %s: %w", m.Source, err)
	}
	return fd, nil
}

// idmappedTree clones m.Source (recursively for rbind) and applies the idmapping of the
// user namespace nsfd (to every mount of the clone for ridmap).
func idmappedTree(m *configs.Mount, nsfd int, prop uint64) (int, error) {
	fd, err := clonedTree(m, prop)
	if err != nil {
		return -1, err
	}
	setFlags := uint(unix.AT_EMPTY_PATH)
	if m.IDMapRecursive {
		setFlags |= unix.AT_RECURSIVE
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(nsfd)}
	if err := unix.MountSetattr(fd, "", setFlags, &attr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("idmap %s (mount_setattr MOUNT_ATTR_IDMAP; does its filesystem support idmapped mounts?): %w", m.Source, err)
	}
	return fd, nil
}

// mappedUserNS returns an fd of a new user namespace with the given maps. A process
// must live in it while the maps are written: a child is started in it under ptrace,
// which stops it at its execve before it runs a single instruction of the program,
// and is killed once its namespace file is open.
func mappedUserNS(uid, gid []configs.IDMap) (int, error) {
	// The tracer is the thread that started the child; keep it for the child's life.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var proc *os.Process
	err := timerslack.Do(func() (err error) {
		proc, err = os.StartProcess("/proc/self/exe", []string{"berth-idmap-userns"}, &os.ProcAttr{
			Sys: &syscall.SysProcAttr{
				Cloneflags:  unix.CLONE_NEWUSER,
				UidMappings: sysIDMaps(uid),
				GidMappings: sysIDMaps(gid),
				Ptrace:      true,
				Pdeathsig:   unix.SIGKILL,
			},
		})
		return err
	})
	if err != nil {
		return -1, err
	}
	defer func() {
		proc.Kill()
		proc.Wait()
	}()
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/user", proc.Pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open its user namespace: %w", err)
	}
	return fd, nil
}

func sysIDMaps(maps []configs.IDMap) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, len(maps))
	for i, m := range maps {
		out[i] = syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)}
	}
	return out
}

// send answers init's mount-sources request with the trees, in order.
func (s *idmapSources) send(ch *initproto.Parent) error {
	if len(s.fds) == 0 {
		return nil
	}
	if err := ch.ExpectMountSources(); err != nil {
		return err
	}
	for i, fd := range s.fds {
		if err := ch.SendMountSource(s.idx[i], fd); err != nil {
			return err
		}
	}
	return nil
}

// files hands the trees over as files by mount index (the one-runtime path attaches
// them itself); the caller closes them.
func (s *idmapSources) files() map[int]*os.File {
	out := make(map[int]*os.File, len(s.fds))
	for i, fd := range s.fds {
		out[s.idx[i]] = os.NewFile(uintptr(fd), fmt.Sprintf("mounts[%d] source", s.idx[i]))
	}
	s.fds = nil
	return out
}

func (s *idmapSources) close() {
	for _, fd := range s.fds {
		unix.Close(fd)
	}
	s.fds = nil
}
