package sigfwd

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// writeFd is the pipe's write end, which the handler reads; set once, before the first
// handler is installed.
var writeFd int64

func handler()

func handlerPC() uintptr

func restorer()

func restorerPC() uintptr

// kernelSigaction is struct sigaction as rt_sigaction(2) takes it on amd64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	saSiginfo  = 0x4
	saOnstack  = 0x08000000
	saRestart  = 0x10000000
	saRestorer = 0x04000000
)

// Supported: this architecture has the handler.
func Supported() bool { return true }

func install(s unix.Signal) error {
	// On the thread's signal stack, as the runtime's own handlers (a goroutine's stack may
	// be too small for the kernel's frame); interrupted system calls restart; every
	// signal blocked while it runs.
	act := kernelSigaction{
		handler:  handlerPC(),
		flags:    saSiginfo | saOnstack | saRestart | saRestorer,
		restorer: restorerPC(),
		mask:     ^uint64(0),
	}
	if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); errno != 0 {
		return errno
	}
	return nil
}
