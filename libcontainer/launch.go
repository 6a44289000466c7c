package libcontainer

import (
	"os"
	"strconv"

	"github.com/berth-runtime/berth/libcontainer/initproto"
	"github.com/berth-runtime/berth/nsenter"
	"golang.org/x/sys/unix"
)

// initLaunch is how to start one `berth init`: its fds and its namespaces.
type initLaunch struct {
	stdio    [3]int
	extraFDs int // the caller's fds 3..3+extraFDs-1 go to the same numbers
	listener int // exec.sock listener (create), or -1
	console  int // console socket, or -1
	ns       *nsenter.Config
	// exeCache is the state root, where the copy of berth init runs from is kept.
	exeCache string
}

// spawner starts one `berth init` (startInit; a fake in the orchestration tests).
type spawner func(initLaunch) (pid int, sync *os.File, inCgroup bool, err error)

// startInit spawns `berth init` from a protected copy of berth with its fds laid out
// as Init expects, and returns its pid and the parent's end of the protocol socket.
func startInit(l initLaunch) (pid int, sync *os.File, inCgroup bool, err error) {
	exe, err := protectedSelf(l.exeCache)
	if err != nil {
		return -1, nil, false, err
	}
	defer unix.Close(exe)
	sync, child, err := initproto.Socketpair()
	if err != nil {
		return -1, nil, false, err
	}
	defer unix.Close(child)

	files := []int{l.stdio[0], l.stdio[1], l.stdio[2]}
	for i := 0; i < l.extraFDs; i++ {
		files = append(files, 3+i)
	}
	// Init runs on one thread, and GOMAXPROCS=1 starts its runtime that way: oneproc's
	// runtime.GOMAXPROCS(1) would otherwise stop the world (0.3-2 ms under load, more with
	// more CPUs, measured with GODEBUG=inittrace=1). That init's Go runtime holds no host
	// cgroupfs file is main.go's //go:debug containermaxprocs=0, the binary's default.
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GOMAXPROCS=1"}
	add := func(name string, fd int) {
		env = append(env, name+"="+strconv.Itoa(len(files)))
		files = append(files, fd)
	}
	add(initproto.SyncEnv, child)
	if l.listener >= 0 {
		add(initproto.ExecEnv, l.listener)
	}
	if l.console >= 0 {
		add(initproto.ConsoleEnv, l.console)
	}
	cfg := *l.ns
	cfg.ExecFD, cfg.Args, cfg.Env, cfg.Files = exe, []string{"berth", "init"}, env, files
	cfg.Timeout = initproto.Timeout()
	r, err := nsenter.SpawnResult(&cfg)
	if err != nil {
		sync.Close()
		return -1, nil, false, err
	}
	return r.Pid, sync, r.InCgroup, nil
}
