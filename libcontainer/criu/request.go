package criu

import (
	"fmt"
	"path"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/checkpoint-restore/go-criu/v7/rpc"
	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"
)

// Log files in LogDir, as runc names them (engines look for them there).
const (
	DumpLog    = "dump.log"
	PreDumpLog = "pre-dump.log"
	RestoreLog = "restore.log"
)

// DefaultConfigFile is the CRIU configuration file berth asks CRIU to read when the
// container has no org.criu.config annotation (CRIU ignores a file that is not there).
const DefaultConfigFile = "/etc/criu/berth.conf"

// configAnnotation names a CRIU configuration file for this container; set but empty,
// no file at all.
const configAnnotation = "org.criu.config"

// Mount is one mount CRIU must treat as external: Dest inside the container, Source on
// the host (restore only).
type Mount struct {
	Dest   string
	Source string
}

// Container is what the request builders need to know about a container, gathered by
// the caller (libcontainer) from the host.
type Container struct {
	Config *configs.Config
	// Pid is init's pid (checkpoint).
	Pid int
	// Root is the root CRIU works from: the rootfs (checkpoint), or the bind mount of it
	// CRIU needs as the root to restore into.
	Root string
	// FreezeCgroup is the freezer (v1) or cgroup2 directory CRIU freezes while it dumps.
	FreezeCgroup string
	// CgroupBinds are the cgroup v1 hierarchies bound into the container from the host
	// (no cgroup namespace): CRIU cannot dump those, they are external. On restore
	// their Source is the new container's cgroup directory.
	CgroupBinds []Mount
	// MaskedFiles are the masked paths that are files (a bind of the null device).
	MaskedFiles []string
	// ResolveDest turns a mount destination into the path of the mount CRIU sees,
	// with the rootfs's symlinks followed inside the rootfs (nil: as written).
	ResolveDest func(dest string) string
	// ResolveSource turns a bind's source into a path without symlinks (restore: CRIU
	// cannot bind from a symlink); nil: as written.
	ResolveSource func(source string) string
	// NSInode is the inode of a namespace file to join (checkpoint: external namespaces).
	NSInode func(path string) (uint64, error)
}

// External namespaces (net and pid, joined by path) go by these keys in the images,
// the ones runc uses, so images move between the runtimes.
func externalNSKey(t configs.NamespaceType) string {
	switch t {
	case configs.NEWNET:
		return "extRootNetNS"
	case configs.NEWPID:
		return "extRootPidNS"
	}
	return ""
}

// criuNSName is CRIU's name of a namespace kind (in --external and --join-ns).
func criuNSName(t configs.NamespaceType) string {
	switch t {
	case configs.NEWNET:
		return "net"
	case configs.NEWNS:
		return "mnt"
	}
	return string(t)
}

// emptyNS are the namespaces CRIU leaves empty: --empty-ns, and as with runc the
// container's own network namespace, since berth does not manage network devices (it
// comes back with its loopback only, for the hooks that set it up to do it again). Not
// a joined one: that is external to CRIU, which neither saves nor makes it, and CRIU
// 3.17 would lock its connections twice on restore and then fail to unlock them.
func emptyNS(o *Options, cfg *configs.Config) uint32 {
	mask := o.EmptyNS
	if cfg.HasNamespace(configs.NEWNET) && cfg.NamespacePath(configs.NEWNET) == "" {
		mask |= unix.CLONE_NEWNET
	}
	return mask
}

// commonOpts are the options checkpoint and restore share.
func commonOpts(o *Options, c *Container, logFile string) *rpc.CriuOpts {
	mode := o.CgroupMode
	opts := &rpc.CriuOpts{
		LogLevel:          proto.Int32(4),
		LogFile:           proto.String(logFile),
		Root:              proto.String(c.Root),
		ManageCgroups:     proto.Bool(true),
		ManageCgroupsMode: &mode,
		NotifyScripts:     proto.Bool(true),
		ShellJob:          proto.Bool(o.ShellJob),
		TcpEstablished:    proto.Bool(o.TCPEstablished),
		ExtUnixSk:         proto.Bool(o.ExtUnixSk),
		FileLocks:         proto.Bool(o.FileLocks),
		EmptyNs:           proto.Uint32(emptyNS(o, c.Config)),
		// The terminal's master is outside the container (with the console socket's
		// receiver): CRIU dumps the pty without it and hands a new master back on restore.
		OrphanPtsMaster: proto.Bool(true),
		AutoDedup:       proto.Bool(o.AutoDedup),
		LazyPages:       proto.Bool(o.LazyPages),
	}
	if file, ok := c.Config.Annotations[configAnnotation]; ok {
		if file != "" {
			opts.ConfigFile = proto.String(file)
		}
	} else {
		opts.ConfigFile = proto.String(DefaultConfigFile)
	}
	return opts
}

// setDirs passes the directories as fds: CRIU opens them through our /proc/<pid>/fd,
// so they are our fd numbers (workFD -1: none).
func setDirs(opts *rpc.CriuOpts, imagesFD, workFD int) {
	opts.ImagesDirFd = proto.Int32(int32(imagesFD))
	if workFD >= 0 {
		opts.WorkDirFd = proto.Int32(int32(workFD))
	}
}

// DumpRequest is the request for `berth checkpoint` (a pre-dump with o.PreDump), with
// the images and work directories open as our fds imagesFD and workFD (-1: none).
func DumpRequest(o *Options, c *Container, imagesFD, workFD int) (*rpc.CriuReq, error) {
	logFile := DumpLog
	t := rpc.CriuReqType_DUMP
	if o.PreDump {
		logFile, t = PreDumpLog, rpc.CriuReqType_PRE_DUMP
	}
	opts := commonOpts(o, c, logFile)
	setDirs(opts, imagesFD, workFD)
	opts.Pid = proto.Int32(int32(c.Pid))
	opts.LeaveRunning = proto.Bool(o.LeaveRunning)
	opts.TcpSkipInFlight = proto.Bool(o.TCPSkipInFlight)
	opts.LinkRemap = proto.Bool(o.LinkRemap)
	if c.FreezeCgroup != "" {
		opts.FreezeCgroup = proto.String(c.FreezeCgroup)
	}
	if o.PageServer != nil {
		opts.Ps = &rpc.CriuPageServerInfo{Address: proto.String(o.PageServer.Address), Port: proto.Int32(o.PageServer.Port)}
	}
	if o.ParentPath != "" {
		opts.ParentImg = proto.String(o.ParentPath)
		opts.TrackMem = proto.Bool(true)
	}
	if o.PreDump {
		// Pre-dumps track memory so the next one (or the dump) saves only what changed.
		opts.TrackMem = proto.Bool(true)
	}
	for _, t := range []configs.NamespaceType{configs.NEWNET, configs.NEWPID} {
		p := c.Config.NamespacePath(t)
		if p == "" {
			continue
		}
		ino, err := c.NSInode(p)
		if err != nil {
			return nil, fmt.Errorf("linux.namespaces: %s namespace %s: %w", t, p, err)
		}
		opts.External = append(opts.External, fmt.Sprintf("%s[%d]:%s", criuNSName(t), ino, externalNSKey(t)))
	}
	// A pre-dump saves memory only: mounts are the dump's business.
	if !o.PreDump {
		opts.ExtMnt = dumpMounts(c)
	}
	return &rpc.CriuReq{Type: &t, Opts: opts}, nil
}

// dumpMounts are the mounts CRIU must leave to us: binds from the host (each stored
// under its destination), the v1 cgroup binds, the masked files and bound devices
// (stored as the null device and the device's path, which restore binds from the host).
func dumpMounts(c *Container) []*rpc.ExtMountMap {
	var out []*rpc.ExtMountMap
	add := func(key, val string) {
		out = append(out, &rpc.ExtMountMap{Key: proto.String(key), Val: proto.String(val)})
	}
	for _, m := range c.Config.Mounts {
		if m.IsBind() {
			d := resolveDest(c, m.Destination)
			add(d, d)
		}
	}
	for _, b := range c.CgroupBinds {
		add(b.Dest, b.Dest)
	}
	for _, p := range c.MaskedFiles {
		add(cleanPath(p), "/dev/null")
	}
	for _, d := range c.Config.Devices {
		add(cleanPath(d.Path), cleanPath(d.Path))
	}
	return out
}

// RestoreRequest is the request for `berth restore`, with the directories as for
// DumpRequest. nsFiles are the namespace files to join, which the caller passes to CRIU
// as its extra files in this order. descriptors are the checkpointed init's stdio
// (descriptors.json): the pipes among them are replaced by CRIU's own fds 0-2, which
// the caller sets to the restored container's stdio.
func RestoreRequest(o *Options, c *Container, imagesFD, workFD int, descriptors []string) (req *rpc.CriuReq, nsFiles []string, err error) {
	opts := commonOpts(o, c, RestoreLog)
	setDirs(opts, imagesFD, workFD)
	// The restored init becomes our child, as init does after create, not CRIU's.
	opts.RstSibling = proto.Bool(true)
	// Device files are opened by path when the images' device numbers differ.
	opts.EvasiveDevices = proto.Bool(true)
	if o.LsmProfile != "" {
		opts.LsmProfile = proto.String(o.LsmProfile)
	}
	if o.LsmMountContext != "" {
		opts.LsmMountContext = proto.String(o.LsmMountContext)
	}
	for _, ns := range c.Config.Namespaces {
		if ns.Path == "" {
			continue
		}
		switch ns.Type {
		case configs.NEWNET, configs.NEWPID:
			// Dumped as external: CRIU takes the namespace from an fd we pass.
			opts.InheritFd = append(opts.InheritFd, &rpc.InheritFd{
				Key: proto.String(externalNSKey(ns.Type)),
				Fd:  proto.Int32(int32(ExtraFD(len(nsFiles)))),
			})
			nsFiles = append(nsFiles, ns.Path)
		case configs.NEWCGROUP:
			return nil, nil, fmt.Errorf("linux.namespaces: CRIU cannot restore into an existing cgroup namespace (%s)", ns.Path)
		default:
			opts.JoinNs = append(opts.JoinNs, &rpc.JoinNamespace{
				Ns: proto.String(criuNSName(ns.Type)), NsFile: proto.String(ns.Path),
			})
		}
	}
	opts.ExtMnt = restoreMounts(c)
	for i, d := range descriptors {
		if i > 2 {
			break
		}
		if strings.HasPrefix(d, "pipe:") {
			opts.InheritFd = append(opts.InheritFd, &rpc.InheritFd{Key: proto.String(d), Fd: proto.Int32(int32(i))})
		}
	}
	t := rpc.CriuReqType_RESTORE
	return &rpc.CriuReq{Type: &t, Opts: opts}, nsFiles, nil
}

// restoreMounts binds each external mount of dumpMounts from where it is now.
func restoreMounts(c *Container) []*rpc.ExtMountMap {
	var out []*rpc.ExtMountMap
	add := func(key, val string) {
		out = append(out, &rpc.ExtMountMap{Key: proto.String(key), Val: proto.String(val)})
	}
	for _, m := range c.Config.Mounts {
		if m.IsBind() {
			src := m.Source
			if c.ResolveSource != nil {
				src = c.ResolveSource(src)
			}
			add(resolveDest(c, m.Destination), src)
		}
	}
	for _, b := range c.CgroupBinds {
		add(b.Dest, b.Source)
	}
	if len(c.Config.MaskedPaths) > 0 {
		add("/dev/null", "/dev/null")
	}
	for _, d := range c.Config.Devices {
		add(cleanPath(d.Path), cleanPath(d.Path))
	}
	return out
}

// ExtraFD is the fd number in CRIU of the i-th extra file: 0-2 are stdio, 3 the socket.
func ExtraFD(i int) int { return 4 + i }

func resolveDest(c *Container, dest string) string {
	if c.ResolveDest != nil {
		return c.ResolveDest(dest)
	}
	return cleanPath(dest)
}

func cleanPath(p string) string { return path.Clean("/" + p) }
