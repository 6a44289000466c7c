package libcontainer

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The create and exec orchestration (creation.run and undo, Store.exec) against fakes:
// a spawner that starts a stand-in process and plays init on the real protocol, and a
// cgroup manager that records what it was asked. Each case fails one step and checks
// the cleanup: init killed and reaped, cgroup destroyed once placed, nothing left in
// the state directory, no pid file.

// fakeCgroup is a cgroups.Manager that makes nothing; the methods create does not use
// are left to the nil embedded interface (calling one panics the test).
type fakeCgroup struct {
	cgroups.Manager
	applyErr, setErr error
	applied          []int
	set, destroyed   int
}

func (f *fakeCgroup) Apply(pid int) error {
	f.applied = append(f.applied, pid)
	return f.applyErr
}
func (f *fakeCgroup) Set(*specs.LinuxResources) error { f.set++; return f.setErr }
func (f *fakeCgroup) Frozen() (bool, error)           { return false, nil }
func (f *fakeCgroup) Thaw() error                     { return nil }
func (f *fakeCgroup) Destroy() error                  { f.destroyed++; return nil }
func (f *fakeCgroup) State() cgroups.State            { return cgroups.State{} }

// fakeInit plays init's side of a create; it fails (reports failAt's error, or dies
// there when die is set) at the step named failAt.
type fakeInit struct {
	failAt string
	die    bool
}

const (
	atConfig       = "config"
	atCgroupPlaced = "cgroup-placed"
	atHooksDone    = "hooks-done"
	atCommitted    = "committed"
)

func (fi fakeInit) run(ch *initproto.Init, sock *os.File) {
	defer sock.Close()
	fail := func(step string) bool {
		if fi.failAt != step {
			return false
		}
		if !fi.die {
			ch.SendError(errors.New("init failed at " + step))
		}
		return true
	}
	ic, err := ch.ExpectConfig()
	if err != nil || fail(atConfig) {
		return
	}
	if ic.Mode == initproto.ModeExec {
		if ch.SendReady() == nil {
			ch.ExpectConfig() // hold the socket until the parent closes it
		}
		return
	}
	if err := ch.ExpectCgroupPlaced(); err != nil || fail(atCgroupPlaced) {
		return
	}
	if err := ch.SendMountsDone(); err != nil {
		return
	}
	if _, err := ch.ExpectHooksDone(); err != nil || fail(atHooksDone) {
		return
	}
	if err := ch.SendReady(); err != nil {
		return
	}
	if err := ch.ExpectCommitted(); err != nil || fail(atCommitted) {
		return
	}
	ch.SendCommitted()
	// Like init waiting for start: hold the socket until the parent closes it.
	ch.ExpectConfig()
}

// fakeSpawner starts a real stand-in process (so undo has a pid to kill and reap) and
// plays init on a real socketpair.
type fakeSpawner struct {
	t        *testing.T
	init     fakeInit
	err      error
	inCgroup bool // born in the container's cgroup: exec does not move it
	pid      int
}

func (s *fakeSpawner) spawn(initLaunch) (int, *os.File, bool, error) {
	if s.err != nil {
		return -1, nil, false, s.err
	}
	s.pid = standIn(s.t)
	parent, child, err := initproto.Socketpair()
	if err != nil {
		s.t.Fatal(err)
	}
	sock := os.NewFile(uintptr(child), "fake-init")
	ch, err := initproto.NewInit(sock)
	if err != nil {
		s.t.Fatal(err)
	}
	go s.init.run(ch, sock)
	return s.pid, parent, s.inCgroup, nil
}

func newTestCreation(t *testing.T, sp *fakeSpawner, cg *fakeCgroup, hooks *specs.Hooks) *creation {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (exec.sock, state directory)")
	}
	root := t.TempDir()
	store := Store{Root: root}
	dir, unlock, err := store.reserveLocked("c1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
	cfg := &configs.Config{
		Rootfs:  "/",
		Hooks:   hooks,
		Process: configs.Process{Args: []string{"true"}},
	}
	return &creation{
		store: store, opts: CreateOpts{ID: "c1", Bundle: root}, cfg: cfg, dir: dir, cg: cg,
		seccomp: store.compileSeccomp(nil), spawn: sp.spawn,
	}
}

// standIn starts a process that stands for init (or the container's init) until killed.
func standIn(t *testing.T) int {
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { unix.Kill(pid, unix.SIGKILL); cmd.Wait() })
	return pid
}

func processGone(pid int) bool {
	return unix.Kill(pid, 0) == unix.ESRCH
}

func TestCreateOrchestration(t *testing.T) {
	failingHook := &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/false"}}}
	cases := []struct {
		name       string
		spawnErr   error
		init       fakeInit
		cg         fakeCgroup
		hooks      *specs.Hooks
		pidFileDir bool // the pid file's directory is missing
		wantErr    string
		placed     bool // init reached the cgroup: undo must destroy it
	}{
		{name: "spawn fails", spawnErr: errors.New("nsenter: clone: no memory"), wantErr: "nsenter: clone"},
		{name: "init fails on config", init: fakeInit{failAt: atConfig}, wantErr: "init failed at config", placed: true},
		{name: "init dies on config", init: fakeInit{failAt: atConfig, die: true}, wantErr: "init", placed: true},
		{name: "cgroup placement fails", cg: fakeCgroup{applyErr: errors.New("cgroup.procs: permission denied")}, wantErr: "cgroup.procs", placed: true},
		{name: "init fails building the rootfs", init: fakeInit{failAt: atCgroupPlaced}, wantErr: "init failed at cgroup-placed", placed: true},
		{name: "init dies building the rootfs", init: fakeInit{failAt: atCgroupPlaced, die: true}, wantErr: "init exited without a word (waiting for mounts-done)", placed: true},
		{name: "cgroup limits fail", cg: fakeCgroup{setErr: errors.New("memory.max: invalid argument")}, wantErr: "memory.max", placed: true},
		{name: "a createRuntime hook fails", hooks: failingHook, wantErr: "hooks.createRuntime[0]", placed: true},
		{name: "init fails preparing the process", init: fakeInit{failAt: atHooksDone}, wantErr: "init failed at hooks-done", placed: true},
		{name: "the pid file cannot be written", pidFileDir: true, wantErr: "write pid file", placed: true},
		{name: "init dies before acknowledging the commit", init: fakeInit{failAt: atCommitted, die: true}, wantErr: "init did not acknowledge the saved container", placed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp := &fakeSpawner{t: t, init: tc.init, err: tc.spawnErr}
			cg := tc.cg
			c := newTestCreation(t, sp, &cg, tc.hooks)
			if tc.pidFileDir {
				c.opts.PidFile = filepath.Join(t.TempDir(), "missing", "pid")
			}
			_, _, err := c.run()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
			}
			c.undo()
			if sp.pid > 0 && !processGone(sp.pid) {
				t.Errorf("init (pid %d) was not killed and reaped", sp.pid)
			}
			if tc.placed && cg.destroyed != 1 {
				t.Errorf("cgroup destroyed %d times, want once", cg.destroyed)
			}
			if !tc.placed && cg.destroyed != 0 {
				t.Errorf("cgroup destroyed %d times before init was placed", cg.destroyed)
			}
			if _, err := os.Lstat(c.dir); !os.IsNotExist(err) {
				t.Errorf("state directory left: %v", err)
			}
		})
	}
}

func TestCreateOrchestrationSucceeds(t *testing.T) {
	sp := &fakeSpawner{t: t}
	cg := &fakeCgroup{}
	c := newTestCreation(t, sp, cg, nil)
	c.opts.PidFile = filepath.Join(t.TempDir(), "pid")
	st, _, err := c.run()
	if err != nil {
		t.Fatal(err)
	}
	if st.InitPid != sp.pid || len(cg.applied) != 1 || cg.applied[0] != sp.pid || cg.set != 1 || cg.destroyed != 0 {
		t.Errorf("state %+v, cgroup %+v", st, cg)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "state.json")); err != nil {
		t.Errorf("state not saved: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.dir, partialFile)); !os.IsNotExist(err) {
		t.Errorf("%s left after a successful create: %v", partialFile, err)
	}
	if data, err := os.ReadFile(c.opts.PidFile); err != nil || strings.TrimSpace(string(data)) != strings.TrimSpace(itoa(sp.pid)) {
		t.Errorf("pid file %q, %v", data, err)
	}
	if processGone(sp.pid) {
		t.Error("init was killed after a successful create")
	}
}

// newTestContainer saves a running container "c1" whose init is a stand-in process.
func newTestContainer(t *testing.T, cg cgroups.State) Store {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (pidfd of the container's init, state directory)")
	}
	store := Store{Root: t.TempDir()}
	pid := standIn(t)
	stat, err := readProcStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.reserve("c1"); err != nil {
		t.Fatal(err)
	}
	cfg := &configs.Config{Rootfs: "/", Namespaces: []configs.Namespace{{Type: configs.NEWNS}}}
	if err := store.Save(&State{ID: "c1", InitPid: pid, InitStartTime: stat.StartTime, Config: cfg, Cgroup: cg}); err != nil {
		t.Fatal(err)
	}
	return store
}

func TestExecOrchestration(t *testing.T) {
	cases := []struct {
		name       string
		spawnErr   error
		init       fakeInit
		cgroup     cgroups.State
		pidFileDir bool
		wantErr    string
	}{
		{name: "spawn fails", spawnErr: errors.New("nsenter: setns: operation not permitted"), wantErr: "nsenter: setns"},
		{name: "entering the cgroup fails", cgroup: cgroups.State{Paths: map[string]string{"": "/nonexistent/berth-test"}}, wantErr: "join the container's"},
		{name: "init fails on config", init: fakeInit{failAt: atConfig}, wantErr: "init failed at config"},
		{name: "init dies on config", init: fakeInit{failAt: atConfig, die: true}, wantErr: "init exited without a word (waiting for ready)"},
		{name: "the pid file cannot be written", pidFileDir: true, wantErr: "write pid file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := newTestContainer(t, tc.cgroup)
			sp := &fakeSpawner{t: t, init: tc.init, err: tc.spawnErr, inCgroup: tc.cgroup.Paths == nil}
			o := ExecOpts{ID: "c1", Process: &configs.Process{Args: []string{"true"}}}
			if tc.pidFileDir {
				o.PidFile = filepath.Join(t.TempDir(), "missing", "pid")
			}
			pid, _, err := store.exec(o, sp.spawn)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
			}
			if pid != -1 {
				t.Errorf("pid %d returned with an error", pid)
			}
			if sp.pid > 0 && !processGone(sp.pid) {
				t.Errorf("the exec's init (pid %d) was not killed and reaped", sp.pid)
			}
		})
	}
}

func TestExecOrchestrationSucceeds(t *testing.T) {
	store := newTestContainer(t, cgroups.State{})
	sp := &fakeSpawner{t: t, inCgroup: true}
	o := ExecOpts{ID: "c1", Process: &configs.Process{Args: []string{"true"}}, PidFile: filepath.Join(t.TempDir(), "pid")}
	pid, master, err := store.exec(o, sp.spawn)
	if err != nil {
		t.Fatal(err)
	}
	if pid != sp.pid || master != nil || processGone(pid) {
		t.Errorf("got pid %d (alive: %v), master %v; want the live pid %d", pid, !processGone(pid), master, sp.pid)
	}
	if data, err := os.ReadFile(o.PidFile); err != nil || string(data) != itoa(pid) {
		t.Errorf("pid file %q, %v", data, err)
	}
}
