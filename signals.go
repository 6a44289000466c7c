package main

import (
	"os"
	"os/signal"

	"github.com/berth-runtime/berth/internal/sigfwd"
	"golang.org/x/sys/unix"
)

// A foreground run, exec or restore forwards the signals it gets to its process, as runc
// does: every signal berth can catch but SIGCHLD (about berth's own children) and SIGURG
// (the Go runtime's preemption). Catching a signal through os/signal costs a round trip to
// the Go runtime's signal-mask thread (30-60 µs and two thread switches here), so where
// berth has its own forwarding handler (internal/sigfwd: amd64) every signal it may take
// from the runtime is caught that way, all at once before anything is made on the host;
// os/signal keeps SIGPIPE and the fault signals. Elsewhere, and for those, two steps:
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

// catchSignals catches on sigs every signal berth's handler may take, at once, where
// there is one, and starts catching the rest of firstSignals through os/signal in the
// background while the config is read; the function it returns waits until they are.
func catchSignals(sigs chan os.Signal) (wait func()) {
	first := firstSignals
	if sigfwd.Supported() {
		var own []unix.Signal
		for _, s := range append(firstSignals[:len(firstSignals):len(firstSignals)], laterSignals()...) {
			if sigfwd.Forwardable(s.(unix.Signal)) {
				own = append(own, s.(unix.Signal))
			}
		}
		if err := sigfwd.Catch(own, sigs); err == nil {
			first = runtimeOnly(firstSignals)
			forwarding = true
		}
	}
	done := make(chan struct{})
	go func() {
		signal.Notify(sigs, first...)
		close(done)
	}()
	return func() { <-done }
}

// runtimeOnly: the signals of list berth's handler may not take (sigfwd.Forwardable),
// which stay with os/signal.
func runtimeOnly(list []os.Signal) []os.Signal {
	var out []os.Signal
	for _, s := range list {
		if !sigfwd.Forwardable(s.(unix.Signal)) {
			out = append(out, s)
		}
	}
	return out
}

// forwarding records that catchSignals installed berth's handler (set before
// catchLaterSignals runs, on the same goroutine).
var forwarding bool

// catchLaterSignals catches the rest on sigs, one by one in the background, and stops
// when the function it returns is called (the process exited: nothing left to forward to).
func catchLaterSignals(sigs chan os.Signal) (stop func()) {
	exited := make(chan struct{})
	later := laterSignals()
	if forwarding {
		later = runtimeOnly(later)
	}
	go func() {
		for _, s := range later {
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
