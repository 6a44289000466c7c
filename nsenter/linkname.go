package nsenter

import _ "unsafe" // for go:linkname

// The runtime's fork hooks, as package syscall uses them around its own raw clone:
// BeforeFork blocks signals and poisons the stack guard so that any stack growth in the
// child crashes loudly instead of corrupting the parent's heap; AfterFork undoes it in
// the parent; AfterForkInChild resets signal handlers and restores the signal mask.

//go:linkname runtimeBeforeFork syscall.runtime_BeforeFork
func runtimeBeforeFork()

//go:linkname runtimeAfterFork syscall.runtime_AfterFork
func runtimeAfterFork()

//go:linkname runtimeAfterForkInChild syscall.runtime_AfterForkInChild
func runtimeAfterForkInChild()
