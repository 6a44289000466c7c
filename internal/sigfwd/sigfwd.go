// Package sigfwd catches signals for a foreground run, exec or restore to forward, without
// the Go runtime's os/signal. Every signal os/signal starts catching is a round trip to
// the runtime's signal-mask thread (a locked goroutine: two thread switches, 30-60 µs
// here): the 14 berth caught before making anything cost a third of a `run`'s context
// switches. Here a handler of berth's own (assembly: a signal handler runs outside
// anything Go can promise) writes the signal's number to a pipe, which a goroutine reads
// through the netpoller; installing it is one rt_sigaction(2) per signal.
//
// Only for signals the Go runtime has no use of its own for: not the synchronous fault
// signals (a real fault in berth must still crash it), SIGPROF, SIGURG (preemption),
// SIGCHLD, nor SIGPIPE (the runtime ties a write to a closed stdout or stderr to whether
// os/signal wants it); 32 and 33, which the runtime leaves to the C library, are never
// touched. musl's own third, 34 (its all-thread set*id), is caught like any other: the
// CLI never calls libc's set*id (only `berth init` switches ids, per thread).
package sigfwd

import (
	"errors"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Forwardable reports whether s may be caught here; the others need os/signal.
func Forwardable(s unix.Signal) bool {
	switch s {
	case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD, unix.SIGURG, unix.SIGPROF, unix.SIGPIPE,
		unix.SIGILL, unix.SIGTRAP, unix.SIGBUS, unix.SIGFPE, unix.SIGSEGV, unix.SIGSYS:
		return false
	}
	return s >= 1 && s <= 64 && s != 32 && s != 33
}

var (
	mu      sync.Mutex
	started bool
)

// Catch starts forwarding sigs (each Forwardable) to out, until the process exits. It
// returns once they are caught. One pipe and one reader serve every call, and out must
// be the same channel each time. A signal that arrives while out is full waits in the
// pipe.
func Catch(sigs []unix.Signal, out chan<- os.Signal) error {
	if !Supported() {
		return errors.New("sigfwd: no forwarding handler on this architecture")
	}
	for _, s := range sigs {
		if !Forwardable(s) {
			return errors.New("sigfwd: " + unix.SignalName(s) + " must be caught through os/signal")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !started {
		var p [2]int
		// Non-blocking: the handler must never wait, and the reader waits in the netpoller.
		if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
			return err
		}
		writeFd = int64(p[1])
		go read(os.NewFile(uintptr(p[0]), "sigfwd"), out)
		started = true
	}
	for _, s := range sigs {
		if err := install(s); err != nil {
			return err
		}
	}
	return nil
}

// read turns the handler's bytes into signals on out.
func read(r *os.File, out chan<- os.Signal) {
	var buf [64]byte
	for {
		n, err := r.Read(buf[:])
		for _, b := range buf[:n] {
			out <- unix.Signal(b)
		}
		if err != nil {
			return
		}
	}
}
