package nsenter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"github.com/berth-runtime/berth/internal/rawfile"
	"golang.org/x/sys/unix"
)

// Plan makes the last stage the container's process itself, without `berth init`: one
// Go runtime per container start instead of two. What init would do in Go, the parent
// does from outside (the rootfs, in the mount namespace the stages joined) or compiles
// into values the stage applies with raw system calls (user, capabilities, seccomp).
//
// The last stage makes the container's proc instance (it must belong to the new pid
// namespace) and stops; Spawn then returns a PlanHandle, through which the parent takes
// that mount (ProcMount) and, once the rootfs is built, sends the go-ahead (Release) with
// the executable's path and the seccomp program. The stage sets itself up and executes
// the exec program (dmz.go), which reports, waits on Listener for `berth start`, and
// executes the process.
type Plan struct {
	// MountProc: make a proc instance (ProcAttrs: MOUNT_ATTR_* flags; ProcSource: its
	// source as mountinfo shows it, "proc" when empty) for ProcMount.
	MountProc  bool
	ProcAttrs  uint64
	ProcSource string
	// Listener is the exec.sock listening socket; with Connected, it is instead the
	// connection itself (`berth exec`: the caller holds the other end of a socket pair),
	// and nothing is accepted.
	Listener  int
	Connected bool
	UID, GID  uint32
	Groups    []uint32
	// BoundingDrop are the capabilities to drop from the bounding set; Effective,
	// Permitted and Inheritable the final sets (bit n: capability n); Ambient those to
	// raise (each must be permitted and inheritable).
	BoundingDrop                      []int
	Effective, Permitted, Inheritable uint64
	Ambient                           []int
	NoNewPrivileges                   bool
	Umask                             int // -1: leave it
	Cwd                               string
	// NewCgroupNS: the last stage makes the container's cgroup namespace as it starts, in
	// the container's cgroups by then (born there, or stage 1 was placed at OnReady), so
	// that it is rooted there; the parent joins it (Pidfd) to mount cgroupfs.
	NewCgroupNS bool
	// Personality (nil: keep) and the memory policy (MemPolicy: with MemPolicyMode, the
	// set_mempolicy mode and flags, and MemPolicyNodes) are the container-wide settings
	// a task can only give itself: the stage sets them before it executes anything.
	Personality    *uint32
	MemPolicy      bool
	MemPolicyMode  int
	MemPolicyNodes []int
	// ExecAttr, when not empty, is the LSM attribute the process is executed with
	// (AppArmor's "exec <profile>", an SELinux context): the exec program opens
	// ExecAttrFiles[0] (or, missing, [1]) under the stage's own proc instance (MountProc)
	// and writes it there right before the execve of the process, as init does before
	// its own.
	ExecAttr      string
	ExecAttrFiles [2]string
	// Keyring, when not empty, is the name of a new session keyring to join.
	Keyring string
	// Preserve: fds 3..3+Preserve-1 stay open across exec (Files must place them).
	Preserve int
	// HomeSlot: the env ends with an entry Release fills in ("HOME=...", found in the
	// container's /etc/passwd once the rootfs is built).
	HomeSlot bool
	// Terminal: fd 0 is the process's terminal (a pty peer the parent opened in the
	// container's devpts, given in Files or, once the rootfs is built, with
	// PlanHandle.GiveTerminal), to become its controlling terminal.
	Terminal bool
	// NullFds are stdio fds that are the host's null device, to be reopened on the
	// container's /dev/null once the root is the container's.
	NullFds []int
	// Filesystems are new filesystem instances the last stage makes after the proc
	// instance, with its credentials and in its namespaces: in a user namespace they
	// then belong to it, with the container's root as their owner, as when init mounts
	// them (a tmpfs or devpts made by the runtime would belong to the host's). Each is a
	// detached mount for the caller to attach (PlanHandle.Filesystems).
	Filesystems []PlanFS
}

// PlanFS is one filesystem instance for the last stage to make: fsopen(Type), one
// fsconfig per option (Source as "source" first, unless empty), the superblock, then
// fsmount with Attrs (MOUNT_ATTR_*).
type PlanFS struct {
	Type    string
	Source  string
	Options []FSOption
	Attrs   uint64
	// Late: made only when the parent asks (PlanHandle.LateFilesystem), which may add
	// mode= (a tmpfs takes the mode of the directory it covers, known only once the
	// mounts before it are in place).
	Late bool
}

// FSOption is one fsconfig(2) parameter: a string, or a flag when Value is empty.
// Optional ones are left out when the filesystem refuses them with EINVAL (devpts's
// gid=5 in a user namespace that does not map 5, as init retries without it).
type FSOption struct {
	Key, Value string
	Optional   bool
}

// options are f's fsconfig parameters in order: "source" first, when set.
func (f PlanFS) options() []FSOption {
	if f.Source == "" {
		return f.Options
	}
	return append([]FSOption{{Key: "source", Value: f.Source}}, f.Options...)
}

// compileFS turns the instances into the stage's preallocated form.
func compileFS(list []PlanFS) ([]rawFS, error) {
	out := make([]rawFS, len(list))
	for i, f := range list {
		if err := out[i].compile(f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// compile fills r with f, its strings NUL-terminated.
func (r *rawFS) compile(f PlanFS) error {
	var err error
	if r.fsType, err = syscall.BytePtrFromString(f.Type); err != nil {
		return fmt.Errorf("nsenter: filesystem type %q: %w", f.Type, err)
	}
	r.attrs = uintptr(f.Attrs)
	if f.Late {
		r.late, r.modeKey = true, &[]byte("mode\x00")[0]
	}
	for _, o := range f.options() {
		ro := rawFSOpt{optional: o.Optional}
		if ro.key, err = syscall.BytePtrFromString(o.Key); err != nil {
			return fmt.Errorf("nsenter: %s option %q: %w", f.Type, o.Key, err)
		}
		if o.Value != "" {
			if ro.value, err = syscall.BytePtrFromString(o.Value); err != nil {
				return fmt.Errorf("nsenter: %s option %q: %w", f.Type, o.Key, err)
			}
		}
		r.opts = append(r.opts, ro)
	}
	return nil
}

// compile turns p into the preallocated form the raw stage reads.
func (p *Plan) compile() (*rawPlan, error) {
	var err error
	r := &rawPlan{
		listenFd: p.Listener, uid: uintptr(p.UID), gid: uintptr(p.GID), noNewPriv: p.NoNewPrivileges,
		umask: p.Umask, firstFree: uintptr(3 + p.Preserve), connected: p.Connected, terminal: p.Terminal,
		newCgroupNS: p.NewCgroupNS,
		groups:      append([]uint32(nil), p.Groups...),
	}
	if p.MountProc {
		// Its source as mountinfo shows it ("none" without one; runtime-spec validators
		// look the mount up by it).
		src := p.ProcSource
		if src == "" {
			src = "proc"
		}
		r.mountProc = true
		if err = r.procFS.compile(PlanFS{Type: "proc", Source: src, Attrs: p.ProcAttrs}); err != nil {
			return nil, fmt.Errorf("mounts: proc: %w", err)
		}
	}
	if r.fs, err = compileFS(p.Filesystems); err != nil {
		return nil, err
	}
	if r.cwd, err = syscall.BytePtrFromString(p.Cwd); err != nil {
		return nil, fmt.Errorf("process.cwd: %w", err)
	}
	if p.Personality != nil {
		r.setPersona, r.persona = true, uintptr(*p.Personality)
	}
	if p.MemPolicy {
		r.setMempol, r.mempolMode = true, uintptr(p.MemPolicyMode)
		for _, n := range p.MemPolicyNodes {
			if n < 0 || n >= len(r.mempolNodes)*64 {
				return nil, fmt.Errorf("linux.memoryPolicy.nodes: node %d", n)
			}
			r.mempolNodes[n/64] |= 1 << (uint(n) % 64)
		}
		if len(p.MemPolicyNodes) > 0 {
			r.mempolMax = uintptr(len(r.mempolNodes) * 64)
		}
	}
	if p.ExecAttr != "" {
		f1, f2 := p.ExecAttrFiles[0], p.ExecAttrFiles[1]
		if !p.MountProc || len(p.ExecAttr) > dmzAttrMax || f1 == "" ||
			len(f1) >= dmzAttrPath2-dmzAttrPath1 || len(f2) >= dmzAttrSize-dmzAttrPath2 {
			return nil, fmt.Errorf("nsenter: LSM attribute of %d bytes for %q (proc instance: %v)", len(p.ExecAttr), f1, p.MountProc)
		}
		r.attr = make([]byte, dmzAttrSize)
		r.attrLen = len(p.ExecAttr)
		copy(r.attr, p.ExecAttr)
		copy(r.attr[dmzAttrPath1:], f1)
		copy(r.attr[dmzAttrPath2:], f2)
	}
	if p.Keyring != "" {
		if r.keyring, err = syscall.BytePtrFromString(p.Keyring); err != nil {
			return nil, err
		}
	}
	if len(p.NullFds) > 0 {
		r.devNull = &[]byte("/dev/null\x00")[0]
		for _, fd := range p.NullFds {
			r.nullFds = append(r.nullFds, uintptr(fd))
		}
	}
	copy(r.home[:], "HOME=/")
	r.sigact = kernelSigaction{handler: planSignalExitPC(), flags: saRestorer, restorer: planSignalExitPC()}
	r.sigs = [7]uintptr{uintptr(unix.SIGHUP), uintptr(unix.SIGINT), uintptr(unix.SIGQUIT), uintptr(unix.SIGTERM),
		uintptr(unix.SIGUSR1), uintptr(unix.SIGUSR2), uintptr(unix.SIGALRM)}
	// The exec program's own copy of the handler, at its fixed address.
	r.dmz = dmzParams{
		sigact:      kernelSigaction{handler: dmzBase + dmzCodeOff, flags: saRestorer, restorer: dmzBase + dmzCodeOff},
		fprogFilter: dmzBase + dmzFilterOff,
		nsigs:       int32(len(r.sigs)),
		attrFd:      -1,
		nnp:         boolInt32(p.NoNewPrivileges),
		waiting:     record{Magic: recordMagic, Kind: kindWaiting},
		committed:   record{Magic: recordMagic, Kind: kindCommitted},
	}
	for i, s := range r.sigs {
		r.dmz.sigs[i] = int32(s)
	}
	for _, c := range p.BoundingDrop {
		r.drop = append(r.drop, uintptr(c))
	}
	for _, c := range p.Ambient {
		r.ambient = append(r.ambient, uintptr(c))
	}
	r.capHdr.Version = unix.LINUX_CAPABILITY_VERSION_3
	r.caps[0] = unix.CapUserData{Effective: uint32(p.Effective), Permitted: uint32(p.Permitted), Inheritable: uint32(p.Inheritable)}
	r.caps[1] = unix.CapUserData{Effective: uint32(p.Effective >> 32), Permitted: uint32(p.Permitted >> 32), Inheritable: uint32(p.Inheritable >> 32)}
	r.fprog.Filter = &r.filter[0] // its length arrives with the go-ahead
	return r, nil
}

// PlanHandle follows a last stage in plan mode between Spawn and its go-ahead.
type PlanHandle struct {
	cfg    *Config
	pid    int
	pidfd  int
	procFd int      // the proc instance's fd number in the stage, or -1
	fs     []record // the filesystem instances' records by index in Plan.Filesystems (late ones: none)
	// goSocket: the go-ahead goes over a socket, which carries the terminal (SCM_RIGHTS).
	goSocket bool
	report   *reportPipe
	goWrite  int
	ttyFd    int // GiveTerminal's fd, or -1
	// vm: the stacks and arguments of stages sharing the caller's memory, kept until
	// the stage has executed the exec program (Release) or parked (Close).
	vm *vmStages
}

// GiveTerminal has Release hand the stage tty (a pty peer it keeps open until Release
// returns) as its stdio: the stage takes it from the caller with pidfd_getfd. For a
// terminal made only once the rootfs is built (create), with Plan.Terminal.
func (h *PlanHandle) GiveTerminal(tty int) { h.ttyFd = tty }

// Pidfd is the last stage's pidfd, valid until Close (to join its namespaces).
func (h *PlanHandle) Pidfd() int { return h.pidfd }

// ProcMount takes the proc instance the stage made (pidfd_getfd, Linux 5.6): a detached
// mount, close-on-exec, for the caller to attach with move_mount.
func (h *PlanHandle) ProcMount() (*os.File, error) {
	if h.procFd < 0 {
		return nil, errors.New("nsenter: the plan has no proc instance")
	}
	return h.takeInstance(h.procFd, "proc")
}

// takeInstance takes the stage's fd of an instance of type fsType (pidfd_getfd, Linux
// 5.6): a detached mount, close-on-exec.
func (h *PlanHandle) takeInstance(fd int, fsType string) (*os.File, error) {
	r, _, errno := unix.Syscall(unix.SYS_PIDFD_GETFD, uintptr(h.pidfd), uintptr(fd), 0)
	if errno != 0 {
		return nil, fmt.Errorf("nsenter: take the container's %s instance: %w", fsType, errno)
	}
	return os.NewFile(r, fsType+"-instance"), nil
}

// FSInstance is one of Plan.Filesystems as the stage made it: a detached mount, or the
// error that stopped it.
type FSInstance struct {
	Mount *os.File
	Err   error
}

// Filesystems takes the instances the stage made (Plan.Filesystems, in order; nothing
// for the late ones), each a detached mount, close-on-exec, for the caller to attach
// with move_mount; an instance the kernel refused carries the error instead. The caller
// closes the files.
func (h *PlanHandle) Filesystems() ([]FSInstance, error) {
	out := make([]FSInstance, len(h.fs))
	for i, rec := range h.fs {
		f := h.cfg.Plan.Filesystems[i]
		if f.Late {
			continue
		}
		if rec.Errno != 0 {
			out[i].Err = fmt.Errorf("%s: %w", fsStepName(f, int(rec.Value)), syscall.Errno(rec.Errno))
			continue
		}
		mnt, err := h.takeInstance(int(rec.Value), f.Type)
		if err != nil {
			for _, in := range out[:i] {
				if in.Mount != nil {
					in.Mount.Close()
				}
			}
			return nil, err
		}
		out[i].Mount = mnt
	}
	return out, nil
}

// LateFilesystem has the stage make late filesystem i (Plan.Filesystems[i].Late), with
// mode= when mode is not nil, and takes it as Filesystems does; the kernel's refusal is
// the error. Before Release.
func (h *PlanHandle) LateFilesystem(i int, mode *uint32) (*os.File, error) {
	fsList := h.cfg.Plan.Filesystems
	if i < 0 || i >= len(fsList) || !fsList[i].Late {
		return nil, fmt.Errorf("nsenter: filesystem %d is not a late one", i)
	}
	f := fsList[i]
	hdr := planHeader{Magic: lateMagic, PathLen: uint32(i), NInsns: noMode}
	if mode != nil {
		hdr.NInsns = *mode & 0o7777
		f.Options = append(append([]FSOption(nil), f.Options...), FSOption{Key: "mode", Value: fmt.Sprintf("%04o", hdr.NInsns)})
	}
	if err := rawfile.WriteAll(h.goWrite, unsafe.Slice((*byte)(unsafe.Pointer(&hdr)), unsafe.Sizeof(hdr))); err != nil {
		return nil, fmt.Errorf("nsenter: ask for the %s instance: %w", f.Type, err)
	}
	p := &parent{cfg: h.cfg, report: h.report, stage1: -1, last: h.pid}
	rec, err := p.next()
	if err != nil {
		return nil, err
	}
	if rec.Kind != kindFsFd || int(rec.Step) != i {
		return nil, fmt.Errorf("nsenter: unexpected record %d (%d), want filesystem %d", rec.Kind, rec.Step, i)
	}
	if rec.Errno != 0 {
		return nil, fmt.Errorf("%s: %w", fsStepName(f, int(rec.Value)), syscall.Errno(rec.Errno))
	}
	return h.takeInstance(int(rec.Value), f.Type)
}

// fsStepName names the call that failed for instance f: the stage reports the index of
// the option (Source first, when set), -1 for fsopen, one past the options for the
// superblock, two past for fsmount.
func fsStepName(f PlanFS, at int) string {
	opts := f.options()
	switch {
	case at < 0:
		return "fsopen " + f.Type
	case at < len(opts):
		if opts[at].Value == "" {
			return "option " + opts[at].Key
		}
		return "option " + opts[at].Key + "=" + opts[at].Value
	case at == len(opts):
		return "create the superblock"
	}
	return "fsmount"
}

// Release sends the go-ahead: the executable's path inside the container and the seccomp
// program (nil: none). It returns once the stage is set up and waits for start, or with
// the step that failed.
func (h *PlanHandle) Release(path, home string, filter []unix.SockFilter, seccompFlags uint) error {
	if path == "" || len(path) >= pathMax {
		return fmt.Errorf("nsenter: executable path of %d bytes", len(path))
	}
	if len(home) >= pathMax+8 {
		return fmt.Errorf("process.env: HOME of %d bytes", len(home))
	}
	if len(filter) > maxFilter {
		return fmt.Errorf("seccomp: the program has %d instructions, the kernel takes %d", len(filter), maxFilter)
	}
	msg := make([]byte, 0, 24+len(path)+len(home)+len(filter)*8)
	msg = binary.NativeEndian.AppendUint32(msg, planMagic)
	msg = binary.NativeEndian.AppendUint32(msg, uint32(len(path)))
	msg = binary.NativeEndian.AppendUint32(msg, uint32(len(filter)))
	msg = binary.NativeEndian.AppendUint32(msg, uint32(len(home)))
	msg = binary.NativeEndian.AppendUint32(msg, uint32(seccompFlags))
	msg = binary.NativeEndian.AppendUint32(msg, uint32(int32(h.ttyFd)))
	msg = append(msg, path...)
	msg = append(msg, home...)
	if len(filter) > 0 {
		msg = append(msg, unsafe.Slice((*byte)(unsafe.Pointer(&filter[0])), len(filter)*8)...)
	}
	if h.goSocket && h.ttyFd >= 0 {
		// CVE-2025-52565 class: the terminal is the peer opened from the verified ptmx,
		// handed over as it is, never reopened by a path. It rides with the header: the
		// stage, in a user namespace, may not take it from us (pidfd_getfd).
		hdrLen := int(unsafe.Sizeof(planHeader{}))
		for {
			err := unix.Sendmsg(h.goWrite, msg[:hdrLen], unix.UnixRights(h.ttyFd), nil, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return fmt.Errorf("nsenter: send the go-ahead: %w", err)
			}
			break
		}
		msg = msg[hdrLen:]
	}
	if err := rawfile.WriteAll(h.goWrite, msg); err != nil {
		return fmt.Errorf("nsenter: send the go-ahead: %w", err)
	}
	p := &parent{cfg: h.cfg, report: h.report, stage1: -1, last: h.pid}
	rec, err := p.next()
	if err != nil {
		return err
	}
	if rec.Kind != kindWaiting {
		return fmt.Errorf("nsenter: unexpected record %d, want waiting", rec.Kind)
	}
	// The exec program reported: the stage has left the caller's memory.
	h.vm.free()
	h.vm = nil
	p.step("process set up")
	return nil
}

// Commit tells the process the container is saved: from now on it outlives the caller
// (until then the caller's death ends it). It returns once the process has dropped its
// parent-death signal, so that a caller that exits right after (`create`) cannot take it
// along.
func (h *PlanHandle) Commit() error {
	if _, err := unix.Write(h.goWrite, []byte{1}); err != nil {
		return fmt.Errorf("nsenter: commit: %w", err)
	}
	p := &parent{cfg: h.cfg, report: h.report, stage1: -1, last: h.pid}
	rec, err := p.next()
	if err == errEOF {
		return errors.New("nsenter: the container's process ended before it was committed")
	}
	if err != nil {
		return err
	}
	if rec.Kind != kindCommitted {
		return fmt.Errorf("nsenter: unexpected record %d, want committed", rec.Kind)
	}
	return nil
}

// Close releases the handle's fds (the stage, if not released, then exits).
func (h *PlanHandle) Close() {
	parkVMStages(h.vm)
	h.vm = nil
	h.report.close()
	h.report = nil
	for _, fd := range []*int{&h.goWrite, &h.pidfd} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

func boolInt32(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
