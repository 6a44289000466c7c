//go:build !amd64

package nsenter

func planSignalExitPC() uintptr { return 0 }

func dmzProgramPC() uintptr { return 0 }

// PlanSupported: this architecture has the stage's signal handler and the exec
// program (dmz.go).
func PlanSupported() bool { return false }
