package libcontainer

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/rootfs"
	"golang.org/x/sys/unix"
)

// Idmapped mounts: mount_setattr(MOUNT_ATTR_IDMAP) wants CAP_SYS_ADMIN in the user
// namespace of the filesystem (the initial one for ext4, tmpfs...) and a mount not yet
// attached anywhere. So the parent, host root, clones each source with open_tree,
// idmaps the clone, and passes it to init, which attaches it with move_mount.
//
// Protocol: after config, init sends idmap-sources and the parent answers with one fd
// per idmapped mount, in mount order (channel.sendFD), as for the seccomp agent.

// msgIDMapSources (init → parent): send the idmapped mount trees.
const msgIDMapSources msgType = "idmap-sources"

// idmappedIndexes lists the indexes of cfg.Mounts that are idmapped.
func idmappedIndexes(cfg *configs.Config) []int {
	var idx []int
	for i := range cfg.Mounts {
		if cfg.Mounts[i].IsIDMapped() {
			idx = append(idx, i)
		}
	}
	return idx
}

// idmapSources are the detached, idmapped trees the parent built, in mount order.
type idmapSources []int

// buildIDMapSources clones and idmaps the source of every idmapped mount.
func buildIDMapSources(cfg *configs.Config) (s idmapSources, err error) {
	idx := idmappedIndexes(cfg)
	if len(idx) == 0 {
		return nil, nil
	}
	defer func() {
		if err != nil {
			s.close()
			s = nil
		}
	}()
	userns := map[string]int{} // one throwaway user namespace per distinct mapping
	defer func() {
		for _, fd := range userns {
			unix.Close(fd)
		}
	}()
	for _, i := range idx {
		m := &cfg.Mounts[i]
		key := fmt.Sprint(m.UIDMappings, m.GIDMappings)
		nsfd, ok := userns[key]
		if !ok {
			if nsfd, err = mappedUserNS(m.UIDMappings, m.GIDMappings); err != nil {
				return s, fmt.Errorf("mounts[%d] (%s): user namespace for the idmapping: %w", i, m.Destination, err)
			}
			userns[key] = nsfd
		}
		fd, err := idmappedTree(m, nsfd)
		if err != nil {
			return s, fmt.Errorf("mounts[%d] (%s): %w", i, m.Destination, err)
		}
		s = append(s, fd)
	}
	return s, nil
}

// idmappedTree clones m.Source (recursively for rbind) and applies the idmapping of the
// user namespace nsfd (to every mount of the clone for ridmap).
func idmappedTree(m *configs.Mount, nsfd int) (int, error) {
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if m.Flags&unix.MS_REC != 0 {
		flags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, m.Source, flags)
	if err != nil {
		return -1, fmt.Errorf("open_tree %s: %w", m.Source, err)
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
	proc, err := os.StartProcess("/proc/self/exe", []string{"berth-idmap-userns"}, &os.ProcAttr{
		Sys: &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWUSER,
			UidMappings: sysIDMaps(uid),
			GidMappings: sysIDMaps(gid),
			Ptrace:      true,
			Pdeathsig:   unix.SIGKILL,
		},
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

// send answers init's idmap-sources request with the trees, in order.
func (s idmapSources) send(ch *channel) error {
	if len(s) == 0 {
		return nil
	}
	if _, err := ch.expect(msgIDMapSources); err != nil {
		return err
	}
	for _, fd := range s {
		if err := ch.sendFD(fd); err != nil {
			return fmt.Errorf("send idmapped mount to init: %w", err)
		}
	}
	return nil
}

func (s idmapSources) close() {
	for _, fd := range s {
		unix.Close(fd)
	}
}

// prepareRootfs (in init) fetches the idmapped trees, then builds the rootfs.
func prepareRootfs(ch *channel, cfg *configs.Config) error {
	idx := idmappedIndexes(cfg)
	sources := map[int]*os.File{}
	defer func() {
		for _, f := range sources {
			f.Close()
		}
	}()
	if len(idx) > 0 {
		if err := ch.send(message{Type: msgIDMapSources}); err != nil {
			return err
		}
		for _, i := range idx {
			f, err := ch.recvFD()
			if err != nil {
				return fmt.Errorf("mounts[%d]: receive idmapped mount: %w", i, err)
			}
			sources[i] = f
		}
	}
	return rootfs.PrepareWith(cfg, rootfs.PrepareOpts{IDMapped: sources})
}
