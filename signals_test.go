package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Together the two steps catch what runc catches (everything), less SIGCHLD and SIGURG,
// each signal once.
func TestForwardedSignals(t *testing.T) {
	seen := map[unix.Signal]int{}
	for _, s := range append(firstSignals[:len(firstSignals):len(firstSignals)], laterSignals()...) {
		seen[s.(unix.Signal)]++
	}
	for s := unix.Signal(1); s <= 64; s++ {
		want := 1
		switch s {
		case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD, unix.SIGURG, 32, 33:
			want = 0
		}
		if seen[s] != want {
			t.Errorf("signal %d (%v) caught %d times, want %d", int(s), s, seen[s], want)
		}
	}
}
