package sigfwd

import (
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestForwardable(t *testing.T) {
	for s := unix.Signal(1); s <= 64; s++ {
		want := true
		switch s {
		case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD, unix.SIGURG, unix.SIGPROF, unix.SIGPIPE,
			unix.SIGILL, unix.SIGTRAP, unix.SIGBUS, unix.SIGFPE, unix.SIGSEGV, unix.SIGSYS, 32, 33:
			want = false
		}
		if got := Forwardable(s); got != want {
			t.Errorf("Forwardable(%d %v) = %v, want %v", int(s), s, got, want)
		}
	}
}

// Signals sent to the process, from outside and to each of its threads, arrive on the
// channel in order, the runtime's own signals (preemption) keep working meanwhile, and
// a signal the runtime needs is refused.
func TestCatch(t *testing.T) {
	if !Supported() {
		t.Skip("no handler on " + runtime.GOARCH)
	}
	out := make(chan os.Signal, 8)
	rt := unix.Signal(40)
	if err := Catch([]unix.Signal{unix.SIGUSR1, unix.SIGTERM, rt}, out); err != nil {
		t.Fatal(err)
	}
	if err := Catch([]unix.Signal{unix.SIGSEGV}, out); err == nil {
		t.Error("SIGSEGV taken from the runtime")
	}
	// Busy goroutines on every thread the runtime has, which it must preempt (SIGURG)
	// for the test's own goroutine to run.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	for _, s := range []unix.Signal{unix.SIGUSR1, rt, unix.SIGTERM} {
		if err := unix.Kill(os.Getpid(), s); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-out:
			if got != s {
				t.Errorf("sent %v, got %v", s, got)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%v not forwarded", s)
		}
	}
	// The same from a thread-directed signal, which the kernel delivers on that thread.
	runtime.LockOSThread()
	err := unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGUSR1)
	runtime.UnlockOSThread()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-out:
		if got != unix.SIGUSR1 {
			t.Errorf("sent SIGUSR1 to a thread, got %v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("thread-directed SIGUSR1 not forwarded")
	}
}
