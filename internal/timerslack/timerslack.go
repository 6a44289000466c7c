// Package timerslack lets the Go runtime's monitor thread (sysmon) sleep in longer steps,
// and keeps the caller's timer slack for every process berth starts.
//
// sysmon wakes every 20 µs while the program is busy, for 50 rounds after every start and
// every time it has taken the P from a thread blocked in a system call; each round is a
// timer, a context switch and a look at every P. A berth command is mostly system calls on
// one P (see internal/oneproc), so sysmon kept waking for its whole life: ~60 times per
// `run` or `exec`, each wake-up also handing the P to another thread to look for work.
// Nothing in berth needs it sooner than every few milliseconds, so its thread gets a timer
// slack of 4 ms (the kernel may then delay each of its sleeps that much): measured with
// `perf stat` on this VM, 10% less CPU for `run`, 15% for `exec`, 9% for a create/start/
// delete cycle, and a third fewer context switches (docs/performance.md). The cost: a
// goroutine waiting for the P while another one is blocked in a system call gets it up
// to ~8 ms later instead of ~0.1 ms (the Go runtime lets a goroutine run 10 ms before
// preempting it anyway).
//
// A thread inherits the timer slack of the one that creates it, and sysmon creates threads
// (for the P it takes back): such threads would give a process berth starts a slack that is
// not the caller's. So every process berth starts gets the caller's slack explicitly: the
// nsenter stages set it first thing (containers, `berth init`, exec'd processes), and Do
// runs host commands (hooks, CRIU, helpers) from a thread that has it.
package timerslack

import (
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// monitorSlack is the timer slack of sysmon's thread, in nanoseconds.
const monitorSlack = 4_000_000

// caller is the timer slack berth was started with (the main thread's, taken during
// package initialization, which runs on the main thread).
var caller uintptr

func init() {
	if r, _, errno := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_GET_TIMERSLACK, 0, 0); errno == 0 {
		caller = r
	}
	// `berth init` execs the container's process from one of its threads: it keeps the
	// slack the stage gave it on every thread.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		return
	}
	slowMonitor()
}

// Caller is the timer slack berth was started with, for the processes it starts; 0 if it
// could not be read (then nothing is changed either).
func Caller() uintptr { return caller }

// Do runs f on a thread that has the caller's timer slack: a process f starts (os/exec
// forks from the calling thread) inherits it.
func Do(f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if caller != 0 {
		unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_TIMERSLACK, caller, 0)
	}
	return f()
}

// slowMonitor sets sysmon's timer slack. Best effort: another thread's slack needs
// CAP_SYS_NICE (a rootless berth just keeps the default).
func slowMonitor() {
	if caller == 0 {
		return
	}
	tids, err := threadIDs()
	if err != nil {
		return
	}
	tid, ok := firstCreated(unix.Getpid(), tids)
	if !ok {
		return
	}
	fd, err := unix.Open("/proc/"+strconv.Itoa(tid)+"/timerslack_ns", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	unix.Write(fd, []byte(strconv.Itoa(monitorSlack)))
	unix.Close(fd)
}

// threadIDs lists this process's threads, from a bare fd: os.Open would try the poller
// and set and restore the fd's flags (five calls more, in every command's start).
func threadIDs() ([]int, error) {
	fd, err := unix.Open("/proc/self/task", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var tids []int
	var buf [2048]byte
	for {
		n, err := unix.Getdents(fd, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return tids, nil
		}
		var names []string
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
		for _, name := range names {
			if tid, err := strconv.Atoi(name); err == nil {
				tids = append(tids, tid)
			}
		}
	}
}

// pidMaxLimit is the kernel's largest possible pid_max (PID_MAX_LIMIT on 64-bit).
const pidMaxLimit = 1 << 22

// firstCreated picks the thread the Go runtime created first, sysmon: runtime.main
// starts it before anything else, from the main thread (tid == pid). Thread ids are
// handed out in increasing order, wrapping at pid_max, so the first one is the nearest
// after pid counting modulo any pid_max.
func firstCreated(pid int, tids []int) (int, bool) {
	best, bestDist := 0, 0
	for _, tid := range tids {
		if tid == pid || tid <= 0 {
			continue
		}
		dist := (tid - pid + pidMaxLimit) % pidMaxLimit
		if best == 0 || dist < bestDist {
			best, bestDist = tid, dist
		}
	}
	return best, best != 0
}
