//go:build !amd64

package nsenter

import (
	"syscall"
	"unsafe"
)

const vmSupported = false

func vmClone(nr, a1, a2, a3, a4, a5, entry uintptr, arg unsafe.Pointer) (uintptr, syscall.Errno) {
	return 0, syscall.ENOSYS
}

func vmStage1PC() uintptr { return 0 }

func vmLastPC() uintptr { return 0 }
