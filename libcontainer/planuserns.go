package libcontainer

import (
	"fmt"
	"os"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/nsenter"
	"github.com/berth-runtime/berth/rootfs"
	"github.com/berth-runtime/berth/specconv"
	"golang.org/x/sys/unix"
)

// A container with a user namespace, new or joined, on the one-runtime path (planPath):
// a thread of a multi-threaded process can neither make nor join a user namespace, and
// namespaces made outside the container's user namespace would belong to the host's
// (its root could not mount, set its hostname or its network's sysctls). So the stages
// make or join every namespace, the user namespace first, as for init; the last stage
// also makes every new filesystem (rootfs.InstanceSpecs), which then belongs to that
// user namespace and is owned by its root, exactly as init would mount it. A thread of
// the runtime then enters the other namespaces of the last stage (not its user
// namespace) and builds the rootfs from those instances, creating files as the
// container's root (its fsuid and fsgid are the host ids the container's 0 maps to)
// with the runtime's capabilities, as the thread of a container without a user
// namespace does as the host's root.

// planUserNSRefusal: what keeps a container with a user namespace on init's path.
func planUserNSRefusal(cfg *configs.Config) error {
	// A joined one (a pod's) comes with its maps (containerd and CRI-O give them;
	// checkJoinedUserMaps compares them with the namespace's at ready).
	if _, ok := configs.HostID(cfg.UIDMappings, 0); !ok {
		return errNoPlan("user namespace without a uid 0")
	}
	if _, ok := configs.HostID(cfg.GIDMappings, 0); !ok {
		return errNoPlan("user namespace without a gid 0")
	}
	for name := range cfg.Sysctl {
		switch ns, _ := specconv.SysctlNamespace(name); ns {
		case configs.NEWUSER:
			// CVE-2025-52881 class (a runtime's procfs write landing on the host): the
			// user.* sysctls are those of the writer's user namespace, and the thread is
			// in the host's; init writes them from inside.
			return errNoPlan("user.* sysctls")
		case configs.NEWIPC:
			// Only the root of the IPC namespace's user namespace may write its sysctls,
			// checked by effective uid, which no capability overrides: the thread, with
			// the host's, could only read them (kernel.shm_rmid_forced in a Kubernetes
			// pod without host users, say); init writes them as that root.
			return errNoPlan("IPC sysctls in a user namespace")
		}
	}
	if _, err := rootfs.InstanceSpecs(cfg, cgroupV2Only()); err != nil {
		return errNoPlan(err.Error())
	}
	return nil
}

// cgroupV2Only: the host's cgroups are the unified hierarchy alone, so a cgroup mount
// needs no tmpfs to hold v1 hierarchies.
func cgroupV2Only() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// planFilesystems is the plan's form of the instances.
func planFilesystems(specs []rootfs.InstanceSpec) []nsenter.PlanFS {
	out := make([]nsenter.PlanFS, len(specs))
	for i, s := range specs {
		f := nsenter.PlanFS{Type: s.Type, Source: s.Source, Attrs: s.Attrs, Late: s.Late}
		for _, o := range s.Options {
			f.Options = append(f.Options, nsenter.FSOption{Key: o.Key, Value: o.Value, Optional: o.Optional})
		}
		out[i] = f
	}
	return out
}

// takeInstances takes the instances the last stage made, keyed as rootfs wants them.
// The caller closes them (closeInstances).
func takeInstances(h *nsenter.PlanHandle, specs []rootfs.InstanceSpec) (map[int]rootfs.Instance, error) {
	made, err := h.Filesystems()
	if err != nil {
		return nil, err
	}
	out := make(map[int]rootfs.Instance, len(specs))
	for i, s := range specs {
		in := rootfs.Instance{Type: s.Type, Mount: made[i].Mount, Err: made[i].Err}
		if s.Late {
			in.Make = func(mode *uint32) (*os.File, error) { return h.LateFilesystem(i, mode) }
		}
		out[s.Key] = in
	}
	return out, nil
}

func closeInstances(in map[int]rootfs.Instance) {
	for _, i := range in {
		if i.Mount != nil {
			i.Mount.Close()
		}
	}
}

// startUserNSThread starts the namespace thread of a container with a user namespace:
// it enters the mount, uts, ipc and network namespaces of the last stage (pidfd) and
// takes the host ids of the container's root as its fsuid and fsgid, keeping its
// capabilities.
func startUserNSThread(cfg *configs.Config, pidfd int) (*nsThread, error) {
	var flags int
	for _, n := range nsThreadTypes {
		if cfg.HasNamespace(n.t) {
			flags |= int(n.flag)
		}
	}
	return newNSThread(func(*nsThread) error { return enterAsContainerRoot(pidfd, flags, cfg) })
}

// enterNamespacesOf puts the calling locked thread in the namespaces (flags) of the
// process pidfd refers to.
func enterNamespacesOf(pidfd, flags int) error {
	// A mount namespace is entered only by a thread with its own root and cwd.
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return fmt.Errorf("unshare the thread's filesystem attributes: %w", err)
	}
	if err := unix.Setns(pidfd, flags); err != nil {
		return fmt.Errorf("enter the container's namespaces %#x: %w", flags, err)
	}
	return nil
}

// enterAsContainerRoot runs on the locked thread: it enters the namespaces (flags) of
// pidfd's process and takes the host ids cfg's maps give the container's 0 (present:
// planUserNSRefusal, execPlanPath) as its fsuid and fsgid. setns and the id changes are
// the thread's own.
func enterAsContainerRoot(pidfd, flags int, cfg *configs.Config) error {
	if err := enterNamespacesOf(pidfd, flags); err != nil {
		return err
	}
	hostUID, _ := configs.HostID(cfg.UIDMappings, 0)
	hostGID, _ := configs.HostID(cfg.GIDMappings, 0)
	uid, gid := int(hostUID), int(hostGID)
	// Files the rootfs code creates (mount points, /dev's links and bind targets, the
	// working directory) belong to the container's root, as when init creates them.
	// Both calls report the previous id, never an error: read back to check.
	unix.SetfsgidRetGid(gid)
	unix.SetfsuidRetUid(uid)
	if got, _ := unix.SetfsuidRetUid(-1); got != uid {
		return fmt.Errorf("setfsuid %d: still %d", uid, got)
	}
	if got, _ := unix.SetfsgidRetGid(-1); got != gid {
		return fmt.Errorf("setfsgid %d: still %d", gid, got)
	}
	// Leaving fsuid 0 dropped the file capabilities from the effective set; the thread
	// keeps the runtime's (it creates in directories of any owner, as init's root does in
	// its own user namespace, and sets up the devices and the pty).
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	data[0].Effective, data[1].Effective = data[0].Permitted, data[1].Permitted
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}
