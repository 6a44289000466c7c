package main

import (
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// A foreground run, exec or restore forwards the signals it gets to its process, as runc
// does: every signal berth can catch but SIGCHLD (about berth's own children) and SIGURG
// (the Go runtime's preemption). Catching a signal costs a round trip to the Go runtime's
// signal-mask thread (30-60 µs and a few thread switches here): all of them at once cost
// 1.5-4.5 ms of CPU and 100-160 context switches per container, more than the rest of a
// `run` in thread switches. So they are caught in two steps:
//
//   - firstSignals before anything is made on the host (catchSignals): what a terminal, a
//     shell, a service manager or its watchdog sends, and the job-control stops that would
//     otherwise stop berth instead of the container;
//   - the rest once the process runs, in the background, until it exits (catchLaterSignals).
//     Until then the Go runtime drops them (they have no default action in a Go program)
//     but for kill(1)-sent fault signals (SIGSEGV and the like), which nobody sends to a
//     runtime on purpose.
var firstSignals = []os.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGABRT, unix.SIGUSR1,
	unix.SIGUSR2, unix.SIGPIPE, unix.SIGALRM, unix.SIGCONT, unix.SIGTSTP, unix.SIGTTIN,
	unix.SIGTTOU, unix.SIGWINCH,
}

// laterSignals are the other catchable signals, real-time ones included.
func laterSignals() []os.Signal {
	skip := map[unix.Signal]bool{unix.SIGKILL: true, unix.SIGSTOP: true, unix.SIGCHLD: true, unix.SIGURG: true}
	for _, s := range firstSignals {
		skip[s.(unix.Signal)] = true
	}
	var later []os.Signal
	for s := unix.Signal(1); s <= 64; s++ { // 64: SIGRTMAX on Linux
		// 32 and 33 are the C library's own (thread cancellation, setxid).
		if !skip[s] && (s < 32 || s > 33) {
			later = append(later, s)
		}
	}
	return later
}

// catchSignals starts catching firstSignals on sigs, in the background while the config
// is read; the function it returns waits until they are caught.
func catchSignals(sigs chan os.Signal) (wait func()) {
	done := make(chan struct{})
	go func() {
		signal.Notify(sigs, firstSignals...)
		close(done)
	}()
	return func() { <-done }
}

// catchLaterSignals catches the rest on sigs, one by one in the background, and stops
// when the function it returns is called (the process exited: nothing left to forward to).
func catchLaterSignals(sigs chan os.Signal) (stop func()) {
	exited := make(chan struct{})
	go func() {
		for _, s := range laterSignals() {
			select {
			case <-exited:
				return
			default:
				signal.Notify(sigs, s)
			}
		}
	}()
	return func() { close(exited) }
}
