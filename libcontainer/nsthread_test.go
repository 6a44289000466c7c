package libcontainer

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The thread runs every function given to it on one OS thread, and doLast's function
// ends it: nothing may run on a thread with the container's namespaces afterwards, and
// stop must then have nothing left to do.
func TestNSThreadDoLastEndsTheThread(t *testing.T) {
	before := runtime.NumGoroutine()
	th, err := newNSThread(func(*nsThread) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	th.endsEarly = true // as startNSThread's, made before the stages
	var first, last int
	if err := th.do(func() error { first = unix.Gettid(); return nil }); err != nil {
		t.Fatal(err)
	}
	want := errors.New("the last function's error")
	if err := th.doLast(func() error { last = unix.Gettid(); return want }); err != want {
		t.Fatalf("doLast = %v, want the function's error", err)
	}
	if first != last || first == 0 {
		t.Errorf("do ran on thread %d, doLast on %d: want one thread", first, last)
	}
	th.stop() // nothing left: no second close of the work channel
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("the thread's goroutine is still there after doLast (%d goroutines, %d before)", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

// Without doLast, or for a thread that may not end early (a user namespace's, which
// may be the one that forked stage 1), the thread waits for stop.
func TestNSThreadStopEndsAnIdleThread(t *testing.T) {
	for _, viaDoLast := range []bool{false, true} {
		testStopEndsAnIdleThread(t, viaDoLast)
	}
}

func testStopEndsAnIdleThread(t *testing.T, viaDoLast bool) {
	before := runtime.NumGoroutine()
	th, err := newNSThread(func(*nsThread) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	call := th.do
	if viaDoLast {
		call = th.doLast // endsEarly unset: it is do
	}
	if err := call(func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if n := runtime.NumGoroutine(); n <= before {
		t.Fatalf("the thread ended before stop (%d goroutines, %d before)", n, before)
	}
	th.stop()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatal("the thread's goroutine is still there after stop")
		}
		time.Sleep(time.Millisecond)
	}
}
