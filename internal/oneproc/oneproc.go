// Package oneproc runs berth's Go runtime on a single P (GOMAXPROCS=1), first thing in
// package initialization. Imported by main for its side effect only.
//
// A berth command is short and mostly waits on the kernel: its goroutines overlap
// blocking system calls (which hand the P over to another thread), not computation. A
// second P only costs: every goroutine made runnable while it is idle wakes a thread to
// spin for work (a futex wake, a context switch, often a new thread), and its own cache
// of spans touches fresh heap pages. Measured on `run` and `exec` (docs/performance.md):
// 7-20% less CPU, 40-45% fewer context switches, fewer page faults; wall time within this
// machine's noise (±5-7% either way between measurements).
//
// The runtime has already started with the default by then (its own goroutines woke a
// few threads); setting GOMAXPROCS=1 in the environment avoids even that, which is how
// berth starts `berth init`. A GOMAXPROCS the caller set is left alone.
package oneproc

import (
	"os"
	"runtime"
)

func init() {
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
}
