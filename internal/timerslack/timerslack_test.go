package timerslack

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestFirstCreated(t *testing.T) {
	cases := []struct {
		name string
		pid  int
		tids []int
		want int
		ok   bool
	}{
		{"in order", 100, []int{100, 101, 102, 105}, 101, true},
		{"listed out of order", 100, []int{105, 100, 102, 101}, 101, true},
		{"others' pids in between", 100, []int{100, 107, 103, 120}, 103, true},
		{"wrapped after the monitor", 32766, []int{32766, 32767, 300, 301}, 32767, true},
		{"wrapped before the monitor", 32767, []int{32767, 301, 300, 302}, 300, true},
		{"wrapped at the largest pid_max", pidMaxLimit - 1, []int{pidMaxLimit - 1, 5, 2}, 2, true},
		{"only the main thread", 100, []int{100}, 0, false},
		{"none", 100, nil, 0, false},
	}
	for _, c := range cases {
		got, ok := firstCreated(c.pid, c.tids)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: firstCreated(%d, %v) = %d, %v; want %d, %v", c.name, c.pid, c.tids, got, ok, c.want, c.ok)
		}
	}
}

func slackOf(t *testing.T, tid int) uintptr {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/timerslack_ns")
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return uintptr(v)
}

// The test binary ran the package's init: the runtime's first thread (sysmon) sleeps with
// the long slack, the main thread kept the caller's.
func TestMonitorSlowed(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("another thread's timer slack needs CAP_SYS_NICE")
	}
	if Caller() == 0 {
		t.Fatal("the caller's timer slack was not read")
	}
	tids, err := threadIDs()
	if err != nil {
		t.Fatal(err)
	}
	pid := os.Getpid()
	mon, ok := firstCreated(pid, tids)
	if !ok {
		t.Fatalf("no thread but the main one: %v", tids)
	}
	if got := slackOf(t, mon); got != monitorSlack {
		t.Errorf("first thread %d: slack %d, want %d", mon, got, monitorSlack)
	}
	if got := slackOf(t, pid); got != Caller() {
		t.Errorf("main thread: slack %d, want the caller's %d", got, Caller())
	}
	// sysmon sleeps in nanosleep, or in a futex wait once the program is idle; a look
	// may catch it running.
	var seen []string
	for range 100 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(mon) + "/syscall")
		if err != nil {
			t.Fatal(err)
		}
		nr := strings.Fields(string(b))[0]
		if nr == strconv.Itoa(unix.SYS_NANOSLEEP) || nr == strconv.Itoa(unix.SYS_FUTEX) {
			return
		}
		seen = append(seen, nr)
		time.Sleep(time.Millisecond)
	}
	t.Errorf("first thread %d is never in sysmon's nanosleep or futex: %v", mon, seen)
}

// A command Do starts has the caller's slack whatever the current thread's is.
func TestDoGivesCallerSlack(t *testing.T) {
	if Caller() == 0 {
		t.Skip("timer slack unreadable")
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	other := Caller() + 54321
	unix.Prctl(unix.PR_SET_TIMERSLACK, other, 0, 0, 0)
	defer unix.Prctl(unix.PR_SET_TIMERSLACK, Caller(), 0, 0, 0)
	var out []byte
	if err := Do(func() (err error) {
		out, err = exec.Command(cat, "/proc/self/timerslack_ns").Output()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != strconv.FormatUint(uint64(Caller()), 10) {
		t.Errorf("child's slack %s, want the caller's %d (the thread had %d)", got, Caller(), other)
	}
}
