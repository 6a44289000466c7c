package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/criu"
	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"github.com/berth-runtime/berth/libcontainer/hooks"
	"github.com/berth-runtime/berth/libcontainer/pty"
	"github.com/berth-runtime/berth/rootfs"
	"github.com/berth-runtime/berth/specconv"
	"github.com/checkpoint-restore/go-criu/v7/rpc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"
)

// RestoreOpts are the inputs of `berth restore`.
type RestoreOpts struct {
	ID           string
	Bundle       string // absolute
	PidFile      string
	NoPivot      bool
	NoNewKeyring bool
	// ConsoleSocket receives the new pty master when process.terminal is true.
	ConsoleSocket string
	Rootless      bool
	// ForegroundTerminal: with a terminal and no ConsoleSocket, Restore returns the
	// master for the caller to attach (restore without --detach).
	ForegroundTerminal bool
	CRIU               criu.Options
	// BeforeHostChanges, if set, is called before Restore makes anything on the host.
	BeforeHostChanges func()
	// Stdio of the restored container where it had pipes; nil entries mean the caller's own.
	Stdin, Stdout, Stderr *os.File
}

// Restore brings back a checkpointed container from CRIU's images as container o.ID,
// with the bundle's config: its cgroups (limits from the config), state and init
// identity as create records them, so state, exec, kill and delete work as for any
// container. A failure leaves nothing behind (no state, cgroup, mount or process) and
// names CRIU's log. With a foreground terminal the pty master is returned.
func (s Store) Restore(o RestoreOpts) (*State, *os.File, error) {
	if err := ValidateID(o.ID); err != nil {
		return nil, nil, err
	}
	spec, err := specconv.LoadSpec(o.Bundle)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := specconv.Convert(spec, specconv.Options{ID: o.ID, Bundle: o.Bundle, NoPivot: o.NoPivot, NoNewKeyring: o.NoNewKeyring})
	if err != nil {
		return nil, nil, err
	}
	if cfg.Process.Terminal && o.ConsoleSocket == "" && !o.ForegroundTerminal {
		return nil, nil, errors.New("process.terminal is true: --console-socket is required (or restore in the foreground)")
	}
	if !cfg.Process.Terminal && o.ConsoleSocket != "" {
		return nil, nil, errors.New("--console-socket given but process.terminal is false")
	}
	descriptors, err := readDescriptors(o.CRIU.ImagePath)
	if err != nil {
		return nil, nil, err
	}
	cg, err := cgroups.NewWithOptions(cgroups.Options{
		CgroupsPath: cfg.CgroupsPath, ID: o.ID, Systemd: cgroups.UseSystemd, Annotations: cfg.Annotations,
		Rootless: o.Rootless,
	})
	if err != nil {
		return nil, nil, err
	}
	if o.BeforeHostChanges != nil {
		o.BeforeHostChanges()
	}
	// Held to the end, as create holds it: a delete --force of the id waits.
	dir, unlock, err := s.reserveLocked(o.ID)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	r := &restoration{store: s, opts: o, cfg: cfg, dir: dir, cg: cg, descriptors: descriptors}
	st, master, err := r.run()
	if err != nil {
		r.undo()
		return nil, nil, err
	}
	return st, master, nil
}

// restoration tracks what Restore has made, so undo can remove exactly that.
type restoration struct {
	store       Store
	opts        RestoreOpts
	cfg         *configs.Config
	dir         string
	cg          cgroups.Manager
	descriptors []string

	criuRoot  string // the rootfs bound where CRIU restores from, while it does
	swrk      *criu.Swrk
	cgPlaced  bool
	rdtPlaced bool
	pid       int
	master    *os.File // the new pty master (foreground terminal)
}

func (r *restoration) run() (*State, *os.File, error) {
	var console *consoleEnd
	if r.cfg.Process.Terminal && r.opts.ConsoleSocket != "" {
		var err error
		if console, err = openConsole(r.opts.ConsoleSocket); err != nil {
			return nil, nil, err
		}
		defer console.close()
	}
	dirs, err := criu.DirFiles(&r.opts.CRIU, false)
	if err != nil {
		return nil, nil, err
	}
	defer closeFiles(dirs)
	c, err := r.prepareRoot()
	if err != nil {
		return nil, nil, err
	}
	defer r.unmountRoot()
	imagesFD, workFD := criu.DirFDs(dirs)
	req, nsPaths, err := criu.RestoreRequest(&r.opts.CRIU, c, imagesFD, workFD, r.descriptors)
	if err != nil {
		return nil, nil, err
	}
	var extra []*os.File
	for _, p := range nsPaths {
		f, err := os.Open(p)
		if err != nil {
			return nil, nil, fmt.Errorf("linux.namespaces: %w", err)
		}
		defer f.Close()
		extra = append(extra, f)
	}
	into, err := r.prepareCgroup()
	if err != nil {
		return nil, nil, err
	}
	if into != nil {
		defer into.Close()
	}
	r.swrk, err = criu.Start(criu.Launch{
		Stdio: [3]*os.File{orStd(r.opts.Stdin, os.Stdin), orStd(r.opts.Stdout, os.Stdout), orStd(r.opts.Stderr, os.Stderr)},
		Extra: extra, CgroupDir: into,
	})
	if err != nil {
		return nil, nil, err
	}
	// CRIU restores the container's processes into its own cgroups, mapped onto the
	// container's (ignore: they simply stay in CRIU's).
	if err := r.placeInCgroup(into != nil); err != nil {
		return nil, nil, err
	}
	roots, err := cgroupRoots(r.swrk.Pid())
	if err != nil {
		return nil, nil, err
	}
	req.Opts.CgRoot = roots
	logFile := filepath.Join(r.opts.CRIU.LogDir(), criu.RestoreLog)
	resp, err := r.swrk.Do(req, func(script string, pid int32, fds []int) error {
		return r.notified(script, int(pid), fds, console)
	})
	if err != nil {
		return nil, nil, criu.Explain(err, logFile)
	}
	if pid := int(resp.GetRestore().GetPid()); pid > 0 {
		r.pid = pid
	}
	if r.pid <= 0 {
		return nil, nil, fmt.Errorf("criu restored no process (log: %s)", logFile)
	}
	if err := r.swrk.Close(); err != nil {
		return nil, nil, err
	}
	return r.record()
}

// prepareRoot makes the mounts CRIU needs and gathers what it must be told. CRIU
// restores into a root that is a mount point whose parent is not covered: the rootfs,
// bound below the state directory for the time of the restore.
func (r *restoration) prepareRoot() (*criu.Container, error) {
	targets, err := rootfs.BindTargets(r.cfg, true)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(r.dir, "criu-root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return nil, err
	}
	if err := unix.Mount(r.cfg.Rootfs, root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return nil, fmt.Errorf("bind the rootfs for CRIU: %w", err)
	}
	r.criuRoot = root
	return &criu.Container{
		Config:      r.cfg,
		Root:        root,
		ResolveDest: func(dest string) string { return targets[dest] },
		ResolveSource: func(src string) string {
			if real, err := filepath.EvalSymlinks(src); err == nil {
				return real
			}
			return src
		},
	}, nil
}

func (r *restoration) unmountRoot() {
	if r.criuRoot == "" {
		return
	}
	unix.Unmount(r.criuRoot, unix.MNT_DETACH)
	os.Remove(r.criuRoot)
	r.criuRoot = ""
}

// prepareCgroup makes the container's cgroup where CRIU can be born in it (pure v2),
// as create does for init.
func (r *restoration) prepareCgroup() (*os.File, error) {
	cp, ok := r.cg.(cgroups.ClonePlacer)
	if !ok {
		return nil, nil
	}
	r.cgPlaced = true
	into, err := cp.PrepareClone()
	if err != nil && r.opts.Rootless && errors.Is(err, os.ErrPermission) {
		return nil, nil
	}
	return into, err
}

// placeInCgroup puts CRIU (unless it was born there) in the container's cgroups, with
// the config's limits, and in its resctrl group: what CRIU forks inherits all three.
func (r *restoration) placeInCgroup(bornThere bool) error {
	pid := r.swrk.Pid()
	r.cgPlaced = true
	if !bornThere {
		err := r.cg.Apply(pid)
		if err != nil && r.opts.Rootless && errors.Is(err, os.ErrPermission) && !hasLimits(r.cfg.Resources) {
			r.cg.Destroy()
			r.cg = cgroups.Load(cgroups.State{})
		} else if err != nil {
			return err
		}
	}
	if err := r.cg.Set(r.cfg.Resources); err != nil {
		return err
	}
	r.rdtPlaced = r.cfg.IntelRdt != nil
	return applyIntelRdt(r.opts.ID, r.cfg.IntelRdt, pid)
}

// cgroupRoots tells CRIU which cgroups to restore into: those of pid (CRIU itself), one
// per hierarchy; CRIU puts the dumped container's cgroup there.
func cgroupRoots(pid int) ([]*rpc.CgroupRoot, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil, err
	}
	var roots []*rpc.CgroupRoot
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		roots = append(roots, &rpc.CgroupRoot{Ctrl: proto.String(parts[1]), Path: proto.String(parts[2])})
	}
	return roots, nil
}

// notified acts on CRIU's notifications during a restore.
func (r *restoration) notified(script string, pid int, fds []int, console *consoleEnd) error {
	switch script {
	case "setup-namespaces":
		closeFDs(fds)
		// The namespaces exist, nothing runs yet: the hooks that set up a container's
		// environment (network, ...) run now, as with runc.
		st := specs.State{Version: specs.Version, ID: r.opts.ID, Status: specs.StateCreated, Pid: pid,
			Bundle: r.opts.Bundle, Annotations: r.cfg.Annotations}
		if err := hooks.Run("prestart", hooks.List(r.cfg.Hooks, "prestart"), st); err != nil {
			return err
		}
		return hooks.Run("createRuntime", hooks.List(r.cfg.Hooks, "createRuntime"), st)
	case "post-restore":
		closeFDs(fds)
		r.pid = pid
	case "orphan-pts-master":
		if len(fds) == 0 {
			return errors.New("criu sent no terminal")
		}
		closeFDs(fds[1:])
		master := os.NewFile(uintptr(fds[0]), "pty-master")
		if console == nil {
			r.master = master // foreground: the caller attaches it
			return nil
		}
		defer master.Close()
		name, _ := pty.Name(fds[0])
		if err := fdpass.Send(console.child, []byte(name), 0, fds[0]); err != nil {
			return fmt.Errorf("send pty master to console socket: %w", err)
		}
	default:
		closeFDs(fds)
	}
	return nil
}

// record saves the restored container's state, as create does for a new one.
func (r *restoration) record() (*State, *os.File, error) {
	stat, err := readProcStat(r.pid)
	if err != nil {
		return nil, nil, fmt.Errorf("read init stat: %w", err)
	}
	cfg := *r.cfg
	if joinsTimeNS(r.pid) && !cfg.HasNamespace(configs.NEWTIME) {
		// CRIU restores into a new time namespace, so the clocks the processes saw go
		// on: exec must join it too.
		cfg.Namespaces = append(append([]configs.Namespace(nil), cfg.Namespaces...), configs.Namespace{Type: configs.NEWTIME})
	}
	st := &State{
		ID: r.opts.ID, Bundle: r.opts.Bundle, Rootfs: cfg.Rootfs, Created: time.Now().UTC(),
		Owner: ownerName(), InitPid: r.pid, InitStartTime: stat.StartTime, Config: &cfg,
		Cgroup: r.cg.State(),
	}
	if err := r.store.Save(st); err != nil {
		return nil, nil, err
	}
	if r.opts.PidFile != "" {
		if err := writePidFile(r.opts.PidFile, r.pid); err != nil {
			return nil, nil, err
		}
	}
	master := r.master
	r.master = nil
	return st, master, nil
}

// joinsTimeNS: pid is in a time namespace other than ours.
func joinsTimeNS(pid int) bool {
	theirs, err1 := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/time")
	ours, err2 := os.Readlink("/proc/self/ns/time")
	return err1 == nil && err2 == nil && theirs != ours
}

// undo removes whatever run made; it runs only on failure.
func (r *restoration) undo() {
	if r.master != nil {
		r.master.Close()
	}
	// CRIU kills what it restored when it fails; after it succeeded, we do.
	st := &State{ID: r.opts.ID, Cgroup: r.cg.State()}
	if r.pid > 0 {
		if stat, err := readProcStat(r.pid); err == nil {
			st.InitPid, st.InitStartTime = r.pid, stat.StartTime
		}
	}
	if r.swrk != nil {
		r.swrk.Close()
	}
	if r.cgPlaced {
		if st.InitPid > 0 || len(st.Cgroup.Paths) > 0 {
			killEverything(st)
		}
		if r.pid > 0 {
			var ws unix.WaitStatus
			unix.Wait4(r.pid, &ws, unix.WNOHANG, nil)
		}
		r.cg.Destroy()
	} else if st.InitPid > 0 {
		unix.Kill(st.InitPid, unix.SIGKILL)
	}
	if r.rdtPlaced {
		removeIntelRdt(r.opts.ID, r.cfg.IntelRdt)
	}
	r.unmountRoot()
	os.RemoveAll(r.dir)
}

func orStd(f, def *os.File) *os.File {
	if f == nil {
		return def
	}
	return f
}
