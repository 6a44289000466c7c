package nsenter

import (
	"bytes"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

const kcmpVM = 1 // KCMP_VM of linux/kcmp.h

// requireVMStages skips where stages never share the caller's memory.
func requireVMStages(t *testing.T) {
	t.Helper()
	if !vmSupported || vmInstrumented {
		t.Skip("stages are forked on this architecture or in this instrumented build")
	}
}

// sharesMemory: kcmp(2) says the two processes have the same mm.
func sharesMemory(t *testing.T, pid1, pid2 int) bool {
	t.Helper()
	r, _, e := unix.Syscall6(unix.SYS_KCMP, uintptr(pid1), uintptr(pid2), kcmpVM, 0, 0, 0)
	if e != 0 {
		t.Skipf("kcmp: %v", e)
	}
	return r == 0
}

// The last stage of a create shares the caller's memory until it executes the exec
// program, and the stacks go once it has; BERTH_STAGE_FORK=1 forks it as before.
func TestPlanStagesShareMemory(t *testing.T) {
	requireVMStages(t)
	for _, fork := range []bool{false, true} {
		if fork {
			t.Setenv("BERTH_STAGE_FORK", "1")
		}
		h, pid, sock, out := planSpawn(t, Plan{}, "echo ran")
		if got := sharesMemory(t, unix.Getpid(), pid); got == fork {
			t.Fatalf("fork=%v: the waiting stage shares the caller's memory: %v", fork, got)
		}
		if (h.vm != nil) == fork {
			t.Fatalf("fork=%v: handle has shared stacks: %v", fork, h.vm != nil)
		}
		if err := h.Release(bbPath(t), "", nil, 0); err != nil {
			t.Fatalf("Release: %v", err)
		}
		if sharesMemory(t, unix.Getpid(), pid) {
			t.Fatal("the exec program still shares the caller's memory")
		}
		if h.vm != nil {
			t.Fatal("the stacks are kept after the stage left them")
		}
		if got := commitStartCollect(t, h, pid, sock, out); !strings.Contains(got, "ran") {
			t.Fatalf("fork=%v: got %q", fork, got)
		}
	}
}

// Where the last stage enters a pid namespace others live in (here the host's; exec and
// pod containers join one), only stage 1 shares the caller's memory: the last stage it
// forks has memory of its own from the start, and runs the process.
func TestPlanFirstStageOnlySharesMemory(t *testing.T) {
	requireVMStages(t)
	DetachArgs()
	var plan Plan
	var sock string
	plan.Listener, sock = planListener(t)
	own, err := os.ReadFile("/proc/self/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	h, pid, out := planSpawnWith(t, plan, "echo ran", nil, func(c *Config) { c.NewFlags = unix.CLONE_NEWNS })
	if h.vm == nil || !h.vm.forkLast {
		t.Fatalf("stage 1 does not share the caller's memory (stacks %v)", h.vm != nil)
	}
	if sharesMemory(t, unix.Getpid(), pid) {
		t.Fatal("the last stage shares the caller's memory")
	}
	// Host details: the last stage was born showing "berth init"; the caller's own
	// command line is its own again.
	if got, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); !bytes.HasPrefix(got, []byte("berth\x00init\x00")) {
		t.Errorf("the last stage's command line is %q", got)
	}
	if got, _ := os.ReadFile("/proc/self/cmdline"); !bytes.Equal(got, own) {
		t.Errorf("the caller's command line is %q, was %q", got, own)
	}
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got := commitStartCollect(t, h, pid, sock, out); !strings.Contains(got, "ran") {
		t.Fatalf("got %q", got)
	}
}

// Born in its cgroup (clone3 with CLONE_INTO_CGROUP, as on cgroup v2), a stage shares
// the caller's memory too: clone3 takes the stack and the thread pointer in its arguments.
func TestPlanIntoCgroupSharesMemory(t *testing.T) {
	requireVMStages(t)
	into, name := cgroup2Dir(t)
	lfd, sock := planListener(t)
	h, pid, out := planSpawnWith(t, Plan{Listener: lfd}, "grep '^0::' /proc/self/cgroup", into)
	if !sharesMemory(t, unix.Getpid(), pid) {
		t.Error("the stage born in its cgroup does not share the caller's memory")
	}
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got := strings.TrimSpace(commitStartCollect(t, h, pid, sock, out)); got != "0::/"+name {
		t.Errorf("the process is in %q, want 0::/%s (clone3 not used?)", got, name)
	}
}

// A stage sharing the caller's memory cannot keep the caller's (Go's) handlers and starts
// with every signal blocked: the process gets the caller's mask back, and what the
// caller ignores stays ignored, as over a fork and execve.
func TestPlanSignalDispositions(t *testing.T) {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	h, pid, sock, out := planSpawn(t, Plan{}, `grep -E "^Sig(Blk|Ign)" /proc/self/status`)
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	got := commitStartCollect(t, h, pid, sock, out)
	if !strings.Contains(got, "SigBlk:\t0000000000000000") {
		t.Errorf("signals blocked in the process:\n%s", got)
	}
	var ign uint64
	for _, line := range strings.Split(got, "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:\t"); ok {
			ign, _ = strconv.ParseUint(v, 16, 64)
		}
	}
	if ign&(1<<(syscall.SIGTTOU-1)) == 0 {
		t.Errorf("SIGTTOU, ignored by the caller, is not ignored in the process:\n%s", got)
	}
}

// Stages share the caller's memory only where no process of a container can reach them
// before they execute the exec program: both for a create with a pid namespace of its
// own, stage 1 alone where the last stage enters a pid namespace others live in.
func TestVMStagesWanted(t *testing.T) {
	requireRoot(t)
	requireVMStages(t)
	DetachArgs()
	create := func() *Config {
		return &Config{NewFlags: unix.CLONE_NEWNS | unix.CLONE_NEWPID, Plan: &Plan{}}
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want vmMode
	}{
		{"create", func(*Config) {}, vmAll},
		{"without a plan (init)", func(c *Config) { c.Plan = nil }, vmNone},
		{"exec (setns through init's pidfd)", func(c *Config) { c.JoinPidFlags = unix.CLONE_NEWPID | unix.CLONE_NEWNS }, vmFirstOnly},
		{"exec into a user namespace", func(c *Config) {
			c.JoinPidFlags = unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWUSER
		}, vmFirstOnly},
		{"exec into a time namespace", func(c *Config) {
			c.JoinPidFlags = unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWTIME
		}, vmNone},
		{"joined pid namespace", func(c *Config) {
			c.NewFlags = unix.CLONE_NEWNS
			c.Join = []Join{{Type: unix.CLONE_NEWPID, Path: "/proc/1/ns/pid"}}
		}, vmFirstOnly},
		{"no pid namespace", func(c *Config) { c.NewFlags = unix.CLONE_NEWNS }, vmFirstOnly},
		{"new user namespace", func(c *Config) { c.NewFlags |= unix.CLONE_NEWUSER }, vmAll},
		{"joined user namespace", func(c *Config) {
			c.Join = []Join{{Type: unix.CLONE_NEWUSER, Path: "/proc/1/ns/user"}}
		}, vmAll},
		{"new time namespace", func(c *Config) { c.NewFlags |= unix.CLONE_NEWTIME }, vmNone},
		{"time offsets", func(c *Config) { c.NewFlags, c.TimeOffsets = c.NewFlags|unix.CLONE_NEWTIME, "monotonic 5 0" }, vmNone},
		{"joined time namespace", func(c *Config) {
			c.Join = []Join{{Type: unix.CLONE_NEWTIME, Path: "/proc/1/ns/time"}}
		}, vmNone},
	} {
		cfg := create()
		tc.edit(cfg)
		if got := vmStagesWanted(cfg); got != tc.want {
			t.Errorf("%s: shared memory mode %v, want %v", tc.name, got, tc.want)
		}
	}
	t.Setenv("BERTH_STAGE_FORK", "1")
	if vmStagesWanted(create()) != vmNone {
		t.Error("BERTH_STAGE_FORK=1 does not fork")
	}
}
