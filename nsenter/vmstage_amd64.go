package nsenter

import (
	"syscall"
	"unsafe"
)

const vmSupported = true

// vmClone makes system call nr (clone or clone3) with a1..a5; the child, on the stack
// and thread pointer those name, calls entry(arg) and exits if it returns. In the
// parent it returns the child's pid or the errno.
func vmClone(nr, a1, a2, a3, a4, a5, entry uintptr, arg unsafe.Pointer) (r1 uintptr, errno syscall.Errno)

func vmStage1PC() uintptr

func vmLastPC() uintptr
