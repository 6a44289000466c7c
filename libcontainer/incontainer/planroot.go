package incontainer

import (
	"fmt"
	"os"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/berth-runtime/berth/rootfs"
)

// PlanRootOpts are what PlanRoot needs besides the config.
type PlanRootOpts struct {
	// Proc is the proc instance the container's first process made in its pid namespace;
	// CgroupPid that process (its cgroups are the container's).
	Proc      *os.File
	CgroupPid int
	// Foreground: berth runs the terminal itself.
	Foreground bool
	// Sources and Instances: see rootfs.PrepareOpts. Instances is not nil exactly when
	// the container has a user namespace the thread is outside of.
	Sources   map[int]*os.File
	Instances map[int]rootfs.Instance
}

// RootResult is what PlanRoot found for the process: the executable's path inside the
// container and, when the config's env has no HOME, the "HOME=..." entry to add.
type RootResult struct {
	Path string
	Home string
}

// PlanRoot does what init does in the container before it prepares the process, for
// nsenter's plan mode, where no init runs (libcontainer/createplan.go): the rootfs,
// pivot_root, the working directory, hostname, lo, sysctls, the terminal and the
// read-only remounts, in init's order.
//
// It runs on a locked thread of the runtime that has the container's mount, uts, ipc and
// network namespaces of its own and will exit with them, never to run another goroutine:
// the pivot moves that thread's root and working directory into the container. proc is
// the proc instance the container's first process made in its pid namespace, cgroupPid
// that process (its cgroups are the container's). The paths are resolved as init
// resolves them, through verified handles in the rootfs, and nothing of the container
// runs yet while they are.
//
// With process.terminal it returns the pty master and the peer, bound onto /dev/console
// (see OpenPlanPty; foreground: berth runs the terminal itself).
func PlanRoot(cfg *configs.Config, o PlanRootOpts) (master, peer *os.File, err error) {
	sp := stagelog.Begin("prepare rootfs", cfg.Rootfs)
	err = rootfs.PrepareWith(cfg, rootfs.PrepareOpts{Proc: o.Proc, CgroupPid: o.CgroupPid, Sources: o.Sources, Instances: o.Instances})
	if sp.End(err) != nil {
		return nil, nil, err
	}
	var mask *rootfs.Instance
	if in, ok := o.Instances[rootfs.MaskInstance]; ok {
		mask = &in
	}
	sp = stagelog.Begin("finish rootfs", "pivot_root")
	if err := sp.End(rootfs.FinishFromOutside(cfg, mask)); err != nil {
		return nil, nil, err
	}
	// After the pivot the root is the container's: no symlink can take MkdirAll outside.
	if err := os.MkdirAll(cfg.Process.Cwd, 0o755); err != nil {
		return nil, nil, fmt.Errorf("process.cwd %s: %w", cfg.Process.Cwd, err)
	}
	if err := namesLoSysctls(cfg); err != nil {
		return nil, nil, err
	}
	if cfg.Process.Terminal {
		if master, peer, err = OpenPlanPty(cfg, &cfg.Process, o.Foreground); err != nil {
			return nil, nil, err
		}
		if err := bindConsole(int(peer.Fd())); err != nil {
			master.Close()
			peer.Close()
			return nil, nil, err
		}
	}
	sp = stagelog.Begin("read-only remounts", "")
	if err := sp.End(rootfs.Readonly(cfg)); err != nil {
		if master != nil {
			master.Close()
			peer.Close()
		}
		return nil, nil, err
	}
	return master, peer, nil
}

// PlanProcess finds, as init's prepareProcess does, the executable in the container's
// PATH and, when the env has no HOME, the "HOME=..." entry to add. It runs on the thread
// PlanRoot ran on, after it.
func PlanProcess(cfg *configs.Config) (RootResult, error) {
	return PlanProcessOf(&cfg.Process, cfg.Process.Env)
}

// PlanProcessOf is PlanProcess for process p with environment env (`berth exec`: on a
// thread in the container's mount namespace).
func PlanProcessOf(p *configs.Process, env []string) (RootResult, error) {
	var res RootResult
	if EnvValue(env, "HOME") == "" {
		withHome := containerHome(env, p.UID)
		res.Home = withHome[len(withHome)-1]
		if !strings.HasPrefix(res.Home, "HOME=") {
			return res, fmt.Errorf("process.env: no HOME from %q", res.Home)
		}
		env = withHome
	}
	path, err := lookPath(p.Args[0], EnvValue(env, "PATH"), p.Cwd)
	if err != nil {
		return res, err
	}
	res.Path = path
	return res, nil
}
