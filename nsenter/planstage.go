package nsenter

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawPlan is what the last stage needs to become the container's process without
// `berth init`: every value resolved and every buffer allocated by the parent before the
// fork (see Plan). The path and the seccomp program arrive later, with the go-ahead,
// into buffers already here.
type rawPlan struct {
	mountProc   bool  // make procFS (Plan.MountProc)
	procFS      rawFS // the container's proc instance
	listenFd    int   // exec.sock: `berth start` connects here (connected: the connection)
	connected   bool
	terminal    bool   // fd 0 becomes the controlling terminal
	newCgroupNS bool   // unshare the cgroup namespace first
	attr        []byte // the exec program's LSM attribute block (dmzAttrSize), or nil
	attrLen     int
	procMnt     uintptr // the proc instance's fd (fsmount): the exec program opens the LSM label's file in it
	fs          []rawFS // Plan.Filesystems
	setPersona  bool    // personality(persona)
	persona     uintptr
	setMempol   bool // set_mempolicy(mempolMode, mempolNodes, mempolMax)
	mempolMode  uintptr
	mempolNodes [16]uint64 // a node mask of 1024 bits, as unix.CPUSet
	mempolMax   uintptr    // 0: no mask (MPOL_DEFAULT, MPOL_LOCAL)
	dmzFd       int        // the exec program (dmz.go), a memfd the stage seals
	dmzArgv     []*byte    // its argv: the path (path below), then the process's argv
	dmzPath     [32]byte
	uid, gid    uintptr
	groups      []uint32
	drop        []uintptr // capabilities to drop from the bounding set
	caps        [2]unix.CapUserData
	capHdr      unix.CapUserHeader
	ambient     []uintptr
	noNewPriv   bool
	umask       int // -1: leave it
	cwd         *byte
	keyring     *byte     // nil: keep the session keyring
	firstFree   uintptr   // 3 + preserved fds: every fd from here is close-on-exec at exec but those the exec program needs
	nullFds     []uintptr // stdio that are the host's null device: reopened on the container's
	devNull     *byte     // "/dev/null"
	nullStat    unix.Stat_t

	// sigact: the handler (planSignalExit) for sigs, which would end init.
	sigact kernelSigaction
	sigs   [7]uintptr
	// dmz: the exec program's parameters, written into its image before the seals.
	dmz dmzParams

	// goSocket: the go-ahead comes over a socket, with the terminal as SCM_RIGHTS (a new
	// user namespace); msg, iov and cmsg receive it (tied together by compile).
	goSocket bool
	msg      syscall.Msghdr
	iov      syscall.Iovec
	cmsg     [24]byte // one SCM_RIGHTS fd: CmsgSpace(4)

	// Filled from the go-ahead message.
	hdr    planHeader
	path   [pathMax]byte
	home   [pathMax + 8]byte // "HOME=...": the env entry the parent found (HomeSlot)
	filter [maxFilter]unix.SockFilter
	fprog  unix.SockFprog
	cwdBuf [pathMax]byte
}

// rawFS is a PlanFS with its strings NUL-terminated.
type rawFS struct {
	fsType *byte
	opts   []rawFSOpt // "source" first, when set
	attrs  uintptr
	// late: made when the parent asks (PlanHandle.LateFilesystem), with mode= in
	// modeVal when it gives one.
	late    bool
	modeKey *byte // "mode"
	modeVal [8]byte
}

type rawFSOpt struct {
	key, value *byte // value nil: a flag
	optional   bool
}

// tieGoSocket prepares the stage to read the go-ahead with recvmsg: the pointers of msg
// are set here, in Go (the stage stores no pointers).
func (p *rawPlan) tieGoSocket() {
	p.goSocket = true
	p.iov.Base = (*byte)(unsafe.Pointer(&p.hdr))
	p.msg.Iov = &p.iov
	p.msg.Control = &p.cmsg[0]
}

// cmsgFd is the fd an SCM_RIGHTS message left in cmsg, or -1.
//
//go:nosplit
//go:norace
//go:nocheckptr
func (p *rawPlan) cmsgFd() int32 {
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&p.cmsg[0]))
	if p.msg.Controllen < unix.SizeofCmsghdr+4 || h.Level != syscall.SOL_SOCKET || h.Type != syscall.SCM_RIGHTS || h.Len != unix.SizeofCmsghdr+4 {
		return -1
	}
	return *(*int32)(unsafe.Pointer(&p.cmsg[unix.SizeofCmsghdr]))
}

// kernelSigaction is struct sigaction as rt_sigaction(2) takes it on amd64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const saRestorer = 0x04000000

// planHeader starts the go-ahead message: the executable's path (resolved in the
// container) and the seccomp program follow.
type planHeader struct {
	Magic   uint32
	PathLen uint32
	NInsns  uint32
	HomeLen uint32
	Flags   uint32 // seccomp(2) flags
	TtyFd   int32  // >= 0: the parent's fd of the terminal to take (pidfd_getfd) as stdio
}

// atFdcwd is AT_FDCWD (-100) as a system call argument.
const atFdcwd = ^uintptr(99)

const (
	planMagic = 0xb5e27a11
	lateMagic = 0xb5e27a12 // a request for a late filesystem: PathLen its index, NInsns its mode (noMode)
	pathMax   = 4096
	maxFilter = 4096 // BPF_MAXINSNS
)

// runPlan is the last stage's work in plan mode: make the proc instance for the parent,
// wait for the go-ahead, become the configured user with the configured capabilities and
// execute the exec program (dmz.go), which reports, waits for the commit and for start,
// loads seccomp (with no_new_privs, last) and executes the process. It returns only on
// failure, with the step that failed.
//
// Same rules as forkStages: no allocation, no locks, no stack growth (nosplit), only
// raw system calls.
//
//go:nosplit
//go:norace
//go:nocheckptr
func runPlan(a *stageArgs) (step uint16, err1 syscall.Errno) {
	if step, err1 = planInstances(a); err1 != 0 {
		return
	}
	return planSetup(a)
}

// planInstances makes what the parent attaches while the stage waits: the cgroup
// namespace first, then the container's proc and the other filesystem instances.
// Apart from runPlan's other half so that neither frame overflows the nosplit bound.
//
//go:nosplit
//go:norace
//go:nocheckptr
func planInstances(a *stageArgs) (step uint16, err1 syscall.Errno) {
	var (
		p   = a.plan
		i   int
		rec record
	)

	// What would end init ends this stage too (see sigexit.go).
	for i = 0; i < len(p.sigs); i++ {
		syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, p.sigs[i], uintptr(unsafe.Pointer(&p.sigact)), 0, 8, 0, 0)
	}

	// The container's cgroup namespace, rooted at the cgroups this stage is in: the
	// container's (see Plan.NewCgroupNS). Before anything else, so that the parent, which
	// joins it to mount cgroupfs once the proc record below arrives, finds it.
	if p.newCgroupNS {
		step = stepUnshare
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_UNSHARE, unix.CLONE_NEWCGROUP, 0, 0); err1 != 0 {
			return
		}
	}

	// The container's proc: an instance of this pid namespace, made here (a proc mount
	// belongs to the pid namespace of whoever creates it) and handed to the parent, which
	// attaches it where the config says.
	if p.mountProc {
		rec = record{Magic: recordMagic, Kind: kindProcFd}
		if p.procMnt, _, err1 = makeFS(&p.procFS, noMode); err1 != 0 {
			return stepProcMount, err1
		}
		rec.Value = int64(p.procMnt)
		if err1 = writeRecord(a.reportFd, &rec); err1 != 0 {
			return stepWriteRecord, err1
		}
	}

	// The other filesystems the parent attaches (Plan.Filesystems), each reported with
	// its fd, or with the errno and the call that failed: the parent decides what a
	// refusal means (a sysfs it binds instead, an error naming the mount). A late one
	// waits for the parent to ask (a tmpfs whose mode is that of the directory it
	// covers, known only once the mounts before it are in place).
	for i = 0; i < len(p.fs); i++ {
		if !p.fs[i].late {
			if err1 = reportFS(a, i, noMode); err1 != 0 {
				return stepWriteRecord, err1
			}
		}
	}

	// The parent builds the rootfs in our mount namespace meanwhile: it asks for the late
	// filesystems, then its go-ahead says what to execute and which filter to load.
	for {
		step = stepWaitPlan
		if err1 = readHeader(a); err1 != 0 {
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 1, 0, 0) // the parent gave up
		}
		if p.hdr.Magic != lateMagic {
			return 0, 0
		}
		if p.hdr.PathLen >= uint32(len(p.fs)) || !p.fs[p.hdr.PathLen].late {
			return stepWaitPlan, syscall.EPROTO
		}
		if err1 = reportFS(a, int(p.hdr.PathLen), p.hdr.NInsns); err1 != 0 {
			return stepWriteRecord, err1
		}
	}
}

// noMode: a late filesystem made without a mode= option.
const noMode = ^uint32(0)

// reportFS makes filesystem i of the plan (with mode= when mode is not noMode) and
// reports it: its fd, or the errno with the call that failed (makeFS). It returns only
// the report's own failure.
//
//go:nosplit
//go:norace
//go:nocheckptr
func reportFS(a *stageArgs, i int, mode uint32) syscall.Errno {
	rec := record{Magic: recordMagic, Kind: kindFsFd, Step: uint16(i)}
	fd, at, e := makeFS(&a.plan.fs[i], mode)
	rec.Errno, rec.Value = uint32(e), int64(fd)
	if e != 0 {
		rec.Value = at
	}
	return writeRecord(a.reportFd, &rec)
}

// makeFS makes filesystem instance f (with mode= when mode is not noMode): the
// fsmount fd, or the errno and which call failed (PlanHandle's fsStepName: the
// option's index, -1 for fsopen, one past the options for the superblock, two past for
// fsmount; mode= counts as the last option).
//
//go:nosplit
//go:norace
//go:nocheckptr
func makeFS(f *rawFS, mode uint32) (mnt uintptr, at int64, err1 syscall.Errno) {
	var (
		fsfd uintptr
		j    int
	)
	at = -1
	fsfd, _, err1 = syscall.RawSyscall6(unix.SYS_FSOPEN, uintptr(unsafe.Pointer(f.fsType)), unix.FSOPEN_CLOEXEC, 0, 0, 0, 0)
	if err1 != 0 {
		return
	}
	for j = 0; err1 == 0 && j < len(f.opts); j++ {
		at = int64(j)
		if f.opts[j].value != nil {
			_, _, err1 = syscall.RawSyscall6(unix.SYS_FSCONFIG, fsfd, unix.FSCONFIG_SET_STRING,
				uintptr(unsafe.Pointer(f.opts[j].key)), uintptr(unsafe.Pointer(f.opts[j].value)), 0, 0)
		} else {
			_, _, err1 = syscall.RawSyscall6(unix.SYS_FSCONFIG, fsfd, unix.FSCONFIG_SET_FLAG,
				uintptr(unsafe.Pointer(f.opts[j].key)), 0, 0, 0)
		}
		if err1 == syscall.EINVAL && f.opts[j].optional {
			err1 = 0
		}
	}
	if err1 == 0 && mode != noMode {
		at = int64(j)
		// "mode" and the octal digits, in the buffer the parent allocated.
		f.modeVal[0] = byte('0' + mode>>9&7)
		f.modeVal[1] = byte('0' + mode>>6&7)
		f.modeVal[2] = byte('0' + mode>>3&7)
		f.modeVal[3] = byte('0' + mode&7)
		f.modeVal[4] = 0
		_, _, err1 = syscall.RawSyscall6(unix.SYS_FSCONFIG, fsfd, unix.FSCONFIG_SET_STRING,
			uintptr(unsafe.Pointer(f.modeKey)), uintptr(unsafe.Pointer(&f.modeVal[0])), 0, 0)
		j++
	}
	if err1 == 0 {
		at = int64(j)
		_, _, err1 = syscall.RawSyscall6(unix.SYS_FSCONFIG, fsfd, unix.FSCONFIG_CMD_CREATE, 0, 0, 0, 0)
	}
	if err1 == 0 {
		at++
		mnt, _, err1 = syscall.RawSyscall6(unix.SYS_FSMOUNT, fsfd, unix.FSMOUNT_CLOEXEC, f.attrs, 0, 0, 0)
	}
	syscall.RawSyscall6(syscall.SYS_CLOSE, fsfd, 0, 0, 0, 0, 0)
	return
}

// writeRecord writes rec to the report pipe.
//
//go:nosplit
//go:norace
//go:nocheckptr
func writeRecord(fd int, rec *record) syscall.Errno {
	_, _, e := syscall.RawSyscall6(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(rec)), recordSize, 0, 0, 0)
	return e
}

// readHeader reads the next message header from the parent into p.hdr. Over a socket
// (Plan.goSocket) a terminal may come with it (SCM_RIGHTS): it lands in p.cmsg.
//
//go:nosplit
//go:norace
//go:nocheckptr
func readHeader(a *stageArgs) syscall.Errno {
	p := a.plan
	if !p.goSocket {
		return readFull(a.goFd, unsafe.Pointer(&p.hdr), unsafe.Sizeof(p.hdr))
	}
	// msg, iov and cmsg were tied together by compile; only lengths are set here.
	p.iov.Len = uint64(unsafe.Sizeof(p.hdr))
	p.msg.Iovlen = 1
	p.msg.Controllen = uint64(len(p.cmsg))
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_RECVMSG, uintptr(a.goFd), uintptr(unsafe.Pointer(&p.msg)), unix.MSG_CMSG_CLOEXEC)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		if r == 0 {
			return syscall.EPIPE
		}
		if r < unsafe.Sizeof(p.hdr) {
			return readFull(a.goFd, unsafe.Pointer(uintptr(unsafe.Pointer(&p.hdr))+r), unsafe.Sizeof(p.hdr)-r)
		}
		return 0
	}
}

// planSetup is the rest of runPlan: the go-ahead, the process's settings and the
// exec program.
//
//go:nosplit
//go:norace
//go:nocheckptr
func planSetup(a *stageArgs) (step uint16, err1 syscall.Errno) {
	var (
		p      = a.plan
		r1     uintptr
		i      int
		cwdErr syscall.Errno
	)
	// The go-ahead's header is in (planInstances read it).
	step = stepWaitPlan
	if p.hdr.Magic != planMagic || p.hdr.PathLen == 0 || p.hdr.NInsns > maxFilter {
		err1 = syscall.EPROTO
		return
	}
	if err1 = readString(a.goFd, p.path[:], p.hdr.PathLen); err1 == 0 && p.hdr.HomeLen > 0 {
		err1 = readString(a.goFd, p.home[:], p.hdr.HomeLen)
	}
	if err1 == syscall.EPROTO {
		return
	}
	if err1 != 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 1, 0, 0)
	}
	if p.hdr.NInsns > 0 {
		if err1 = readFull(a.goFd, unsafe.Pointer(&p.filter[0]), uintptr(p.hdr.NInsns)*unsafe.Sizeof(p.filter[0])); err1 != 0 {
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 1, 0, 0)
		}
		p.fprog.Len = uint16(p.hdr.NInsns) // fprog.Filter is set by compile: no pointer stores here
	}
	// Stdio that are the host's null device point at the container's, as init does
	// (rootfs.ReopenDevNull): CRIU cannot find a file of the host's mount namespace. The
	// root is the container's now; only its null device may stand in.
	if len(p.nullFds) > 0 {
		r1, _, err1 = syscall.RawSyscall6(syscall.SYS_OPENAT, atFdcwd, uintptr(unsafe.Pointer(p.devNull)),
			syscall.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0, 0, 0)
		if err1 == 0 {
			_, _, err1 = syscall.RawSyscall(syscall.SYS_FSTAT, r1, uintptr(unsafe.Pointer(&p.nullStat)), 0)
			if err1 == 0 && p.nullStat.Mode&syscall.S_IFMT == syscall.S_IFCHR && p.nullStat.Rdev == 0x103 {
				for i = 0; i < len(p.nullFds); i++ {
					syscall.RawSyscall(syscall.SYS_DUP3, r1, p.nullFds[i], 0)
				}
			}
			syscall.RawSyscall(syscall.SYS_CLOSE, r1, 0, 0)
		}
		err1 = 0
	}

	// A terminal the parent made once the rootfs was built (create) arrives now: taken
	// from the parent, it becomes the stdio. The last stage is a session leader
	// (forkStages called setsid) without a terminal: the pty on fd 0 becomes its
	// controlling terminal, as init's setupConsole does.
	if p.hdr.TtyFd >= 0 {
		step = stepTerminal
		if p.goSocket {
			// Passed with the header: in a user namespace this stage may not take the
			// parent's fds (pidfd_getfd is a ptrace access to the host's root).
			r1 = uintptr(p.cmsgFd())
			if r1 == ^uintptr(0) {
				err1 = syscall.EPROTO
				return
			}
		} else {
			r1, _, err1 = syscall.RawSyscall(unix.SYS_PIDFD_GETFD, uintptr(a.parentPidfd), uintptr(p.hdr.TtyFd), 0)
			if err1 != 0 {
				return
			}
		}
		// It lands on the lowest free fd, close-on-exec: maybe one of 0-2 already.
		for i = 0; i < 3; i++ {
			if r1 == uintptr(i) {
				_, _, err1 = syscall.RawSyscall(syscall.SYS_FCNTL, r1, syscall.F_SETFD, 0)
			} else {
				_, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, r1, uintptr(i), 0)
			}
			if err1 != 0 {
				return
			}
		}
		if r1 > 2 {
			syscall.RawSyscall(syscall.SYS_CLOSE, r1, 0, 0)
		}
	}
	if p.terminal {
		step = stepTerminal
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_IOCTL, 0, syscall.TIOCSCTTY, 0); err1 != 0 {
			return
		}
	}

	// The container-wide settings only a task can give itself; execve keeps them.
	if p.setPersona {
		step = stepPersonality
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_PERSONALITY, p.persona, 0, 0); err1 != 0 {
			return
		}
	}
	if p.setMempol {
		step = stepMemPolicy
		r1 = 0
		if p.mempolMax > 0 {
			r1 = uintptr(unsafe.Pointer(&p.mempolNodes[0]))
		}
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SET_MEMPOLICY, p.mempolMode, r1, p.mempolMax); err1 != 0 {
			return
		}
	}

	if p.keyring != nil {
		// A fresh session keyring: the host's keys are none of the container's business.
		step = stepKeyring
		_, _, err1 = syscall.RawSyscall(unix.SYS_KEYCTL, unix.KEYCTL_JOIN_SESSION_KEYRING, uintptr(unsafe.Pointer(p.keyring)), 0)
		if err1 != 0 && err1 != syscall.ENOSYS {
			return
		}
	}
	if p.umask >= 0 {
		syscall.RawSyscall(syscall.SYS_UMASK, uintptr(p.umask), 0, 0)
	}
	// The working directory (the parent made it, inside the root), as root first: the
	// user may lack search permission on a parent that root has; again after the switch
	// if that failed.
	step = stepCwd
	_, _, cwdErr = syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(p.cwd)), 0, 0)
	if cwdErr == 0 {
		if err1 = cwdInRoot(p); err1 != 0 {
			return
		}
	}

	// CVE-2024-21626 class: nothing of the runtime's reaches the process. Everything
	// above the preserved fds is close-on-exec (the listener, the report pipe, the proc
	// mount are already). Before any filter: a profile may refuse close_range.
	step = stepCloseFds
	if _, _, err1 = syscall.RawSyscall(unix.SYS_CLOSE_RANGE, p.firstFree, ^uintptr(0)>>32, unix.CLOSE_RANGE_CLOEXEC); err1 != 0 && err1 != syscall.ENOSYS && err1 != syscall.EINVAL {
		return
	}

	// The exec program (dmz.go) gets the three fds it waits on, its parameters and the
	// filter it loads late, then the final seals: from here on nothing can change what
	// it runs (CVE-2019-5736 class). Before any filter: a profile may refuse these calls.
	step = stepExecProgram
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(a.reportFd), syscall.F_SETFD, 0); err1 != 0 {
		return
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(a.goFd), syscall.F_SETFD, 0); err1 != 0 {
		return
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(p.listenFd), syscall.F_SETFD, 0); err1 != 0 {
		return
	}
	if len(p.attr) > 0 {
		// The LSM label: the program opens its file in this proc instance, of the
		// container's own pid namespace, which nothing of the container can have covered
		// or replaced (CVE-2019-16884 class).
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_FCNTL, p.procMnt, syscall.F_SETFD, 0); err1 != 0 {
			return
		}
		p.dmz.attrFd, p.dmz.attrLen = int32(p.procMnt), int32(p.attrLen)
		r1, _, err1 = syscall.RawSyscall6(syscall.SYS_PWRITE64, uintptr(p.dmzFd), uintptr(unsafe.Pointer(&p.attr[0])),
			uintptr(len(p.attr)), dmzAttrOff, 0, 0)
		if err1 == 0 && r1 != uintptr(len(p.attr)) {
			err1 = syscall.EIO
		}
		if err1 != 0 {
			return
		}
	}
	p.dmz.reportFd, p.dmz.goFd, p.dmz.listenFd, p.dmz.connFd = int32(a.reportFd), int32(a.goFd), int32(p.listenFd), -1
	if p.connected {
		p.dmz.listenFd, p.dmz.connFd = -1, int32(p.listenFd)
	}
	if p.fprog.Len > 0 && p.noNewPriv {
		p.dmz.fprogLen, p.dmz.seccompFlags = p.fprog.Len, uint64(p.hdr.Flags)
		r1, _, err1 = syscall.RawSyscall6(syscall.SYS_PWRITE64, uintptr(p.dmzFd), uintptr(unsafe.Pointer(&p.filter[0])),
			uintptr(p.fprog.Len)*unsafe.Sizeof(p.filter[0]), dmzFilterOff, 0, 0)
		if err1 == 0 && r1 != uintptr(p.fprog.Len)*unsafe.Sizeof(p.filter[0]) {
			err1 = syscall.EIO
		}
		if err1 != 0 {
			return
		}
	}
	r1, _, err1 = syscall.RawSyscall6(syscall.SYS_PWRITE64, uintptr(p.dmzFd), uintptr(unsafe.Pointer(&p.dmz)), unsafe.Sizeof(p.dmz), dmzParamsOff, 0, 0)
	if err1 == 0 && r1 != unsafe.Sizeof(p.dmz) {
		err1 = syscall.EIO
	}
	if err1 != 0 {
		return
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(p.dmzFd), unix.F_ADD_SEALS, dmzFinalSeals); err1 != 0 {
		return
	}

	// Without no_new_privs only a CAP_SYS_ADMIN holder may load a filter, which the user
	// switch drops: load it now, as runc does.
	if p.fprog.Len > 0 && !p.noNewPriv {
		step = stepSeccomp
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(p.hdr.Flags), uintptr(unsafe.Pointer(&p.fprog))); err1 != 0 {
			return
		}
	}

	// Capabilities and user, as caps.Apply and incontainer's switchUser do: the bounding
	// set shrinks while we are still root, KEEPCAPS carries the permitted set over the
	// uid change, then the three sets, then ambient.
	step = stepBounding
	for i = 0; i < len(p.drop); i++ {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_CAPBSET_DROP, p.drop[i], 0); err1 != 0 {
			return
		}
	}
	step = stepSetUser
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_KEEPCAPS, 1, 0); err1 != 0 {
		return
	}
	if len(p.groups) > 0 {
		_, _, err1 = syscall.RawSyscall(syscall.SYS_SETGROUPS, uintptr(len(p.groups)), uintptr(unsafe.Pointer(&p.groups[0])), 0)
	} else {
		// Refused in a user namespace whose setgroups is "deny" (one a rootless engine
		// made, joined): with no groups asked that is fine, as for init.
		_, _, err1 = syscall.RawSyscall(syscall.SYS_SETGROUPS, 0, 0, 0)
		if err1 == syscall.EPERM {
			err1 = 0
		}
	}
	if err1 != 0 {
		return
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_SETRESGID, p.gid, p.gid, p.gid); err1 != 0 {
		return
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_SETRESUID, p.uid, p.uid, p.uid); err1 != 0 {
		return
	}
	step = stepCapabilities
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&p.capHdr)), uintptr(unsafe.Pointer(&p.caps[0])), 0); err1 != 0 {
		return
	}
	_, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0)
	if err1 != 0 && !(err1 == syscall.EINVAL && len(p.ambient) == 0) {
		return
	}
	for i = 0; i < len(p.ambient); i++ {
		if _, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, p.ambient[i], 0, 0, 0); err1 != 0 {
			return
		}
	}
	step = stepSetUser
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_KEEPCAPS, 0, 0); err1 != 0 {
		return
	}
	if cwdErr != 0 {
		step = stepCwd
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(p.cwd)), 0, 0); err1 != 0 {
			return
		}
		if err1 = cwdInRoot(p); err1 != 0 {
			return
		}
	}
	// Capabilities beyond the permitted set (berth) class, docs/security.md:
	// no_new_privs before the sealed program, unless an LSM label is still to be written
	// (AppArmor refuses a profile change under no_new_privs, and runc's init too sets the
	// label first: the exec program sets it then, dmzParams.nnp). The program's file
	// gains nothing (mode 0111, no set-id bits, no file capabilities), but the kernel
	// gives a root that executes any file the whole bounding set as permitted and
	// effective; no_new_privs caps that at what it has, as it does for init's execve:
	// set only by the exec program, a root process would keep capabilities the config
	// has only in its bounding set.
	if p.noNewPriv && len(p.attr) == 0 {
		step = stepNoNewPrivs
		if _, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); err1 != 0 {
			return
		}
	}

	// Set up: the exec program takes over (see dmz.go), its exe the sealed memfd.
	step = stepExecProgram
	_, _, err1 = syscall.RawSyscall6(unix.SYS_EXECVEAT, uintptr(p.dmzFd), uintptr(unsafe.Pointer(a.emptyPath)),
		uintptr(unsafe.Pointer(&p.dmzArgv[0])), uintptr(unsafe.Pointer(&a.envv[0])), unix.AT_EMPTY_PATH, 0)
	if err1 == syscall.ENOSYS || err1 == syscall.EPERM {
		// A profile that allows execve but not execveat: through the container's /proc.
		i = copy(p.dmzPath[:], "/proc/self/fd/")
		i = putUint(p.dmzPath[:len(p.dmzPath)-1], i, uint64(p.dmzFd))
		p.dmzPath[i] = 0
		_, _, err1 = syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(&p.dmzPath[0])),
			uintptr(unsafe.Pointer(&p.dmzArgv[0])), uintptr(unsafe.Pointer(&a.envv[0])))
	}
	return
}

// cwdInRoot refuses a working directory outside the container's root (CVE-2024-21626
// class: one reached through a leaked fd shows as "(unreachable)/..."), as init's
// checkCwdInRoot does.
//
//go:nosplit
//go:norace
//go:nocheckptr
func cwdInRoot(p *rawPlan) syscall.Errno {
	r, _, e := syscall.RawSyscall(syscall.SYS_GETCWD, uintptr(unsafe.Pointer(&p.cwdBuf[0])), uintptr(len(p.cwdBuf)), 0)
	if e != 0 {
		return e
	}
	if r == 0 || p.cwdBuf[0] != '/' {
		return syscall.ENOENT
	}
	return 0
}

// readString reads n bytes into buf and ends them with a NUL; EPROTO when they do not fit.
//
//go:nosplit
//go:norace
//go:nocheckptr
func readString(fd int, buf []byte, n uint32) syscall.Errno {
	if int(n) >= len(buf) {
		return syscall.EPROTO
	}
	if e := readFull(fd, unsafe.Pointer(&buf[0]), uintptr(n)); e != 0 {
		return e
	}
	buf[n] = 0
	return 0
}

// readFull reads exactly n bytes into buf; EPIPE at end of file.
//
//go:nosplit
//go:norace
//go:nocheckptr
func readFull(fd int, buf unsafe.Pointer, n uintptr) syscall.Errno {
	var done, r uintptr
	var e syscall.Errno
	for done < n {
		r, _, e = syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(buf)+done, n-done)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		if r == 0 {
			return syscall.EPIPE
		}
		done += r
	}
	return 0
}

// putUint writes v in decimal at b[i:] and returns the new end.
//
//go:nosplit
func putUint(b []byte, i int, v uint64) int {
	var d [20]byte
	n := len(d)
	for {
		n--
		d[n] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for ; n < len(d) && i < len(b); n++ {
		b[i] = d[n]
		i++
	}
	return i
}
