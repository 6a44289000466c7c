//go:build amd64

package nsenter

// The last stage in plan mode is the first process of a new pid namespace, which the
// kernel shields from every signal it has no handler for (SIGKILL and SIGSTOP from
// outside aside). `berth init` is a Go program with handlers, so `kill ID TERM` ends a
// created container; the stage gets the same from a handler that exits (assembly: a
// signal handler runs outside anything Go can promise).

func planSignalExit()

func planSignalExitPC() uintptr

// dmzProgram is the exec program's code (dmz_amd64.s): never called, only copied.
func dmzProgram()

func dmzProgramPC() uintptr

// PlanSupported: this architecture has the stage's signal handler and the exec
// program (dmz.go).
func PlanSupported() bool { return true }
