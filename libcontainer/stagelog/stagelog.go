// Package stagelog records how long each stage of starting, running and removing a
// container takes, for `--debug`: what was done, on which path or with which system
// call, when (CLOCK_MONOTONIC, which every process on the host shares, so records from
// `berth init` line up with the runtime's) and for how long.
//
// Off unless --debug: Begin and End are then a nil check each, and nothing is allocated.
package stagelog

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Record is one finished stage.
type Record struct {
	// Proc is the process that did it: "berth" (the command) or "init".
	Proc string `json:"proc"`
	Pid  int    `json:"pid"`
	// Stage says what was done; Detail the path, system call or id it was done on.
	Stage  string `json:"stage"`
	Detail string `json:"detail,omitempty"`
	// Start is CLOCK_MONOTONIC at the start, in ns; Took the duration in ns.
	Start int64  `json:"start"`
	Took  int64  `json:"took"`
	Err   string `json:"err,omitempty"`
}

var (
	mu   sync.Mutex
	sink func(Record)
	proc = "berth"
	pid  int
)

// Enable turns recording on (off with a nil f): every finished stage goes to f, one call
// at a time. name and id are what Record.Proc and Pid say for this process (init's pid as
// the host sees it, not 1).
func Enable(name string, id int, f func(Record)) {
	mu.Lock()
	defer mu.Unlock()
	sink, proc, pid = f, name, id
}

// On reports whether stages are recorded.
func On() bool { return sink != nil }

// Span is a stage under way; the zero Span (recording off) does nothing.
type Span struct {
	stage, detail string
	start         int64
}

// Begin starts timing a stage.
func Begin(stage, detail string) Span {
	if sink == nil {
		return Span{}
	}
	return Span{stage: stage, detail: detail, start: Now()}
}

// End records the stage, failed if err is not nil, and returns err.
func (s Span) End(err error) error {
	if s.start == 0 {
		return err
	}
	r := Record{Stage: s.stage, Detail: s.detail, Start: s.start, Took: Now() - s.start}
	if err != nil {
		r.Err = err.Error()
	}
	Emit(r)
	return err
}

// Emit records r as is (a stage timed elsewhere: another process's, or one known only
// by its end). Proc and Pid are filled in when empty.
func Emit(r Record) {
	mu.Lock()
	defer mu.Unlock()
	if sink == nil {
		return
	}
	if r.Proc == "" {
		r.Proc, r.Pid = proc, pid
	}
	sink(r)
}

// Now is CLOCK_MONOTONIC in ns (0 is never a valid reading: the clock starts at boot).
func Now() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}
