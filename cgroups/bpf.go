package cgroups

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Loading and attaching the device filter takes two bpf(2) calls, made here directly:
// cilium/ebpf's loader (BTF, ELF, feature probes, links) would add 1.5 MB to the binary
// for them. bpfasm.go writes the program.

// bpfProgLoadAttr is the BPF_PROG_LOAD part of union bpf_attr, up to prog_flags (the
// kernel zero-fills what a shorter attr leaves out).
type bpfProgLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
}

// bpfProgAttachAttr is the BPF_PROG_ATTACH part of union bpf_attr.
type bpfProgAttachAttr struct {
	targetFd     uint32
	attachBpfFd  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBpfFd uint32
}

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (uintptr, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return 0, errno
	}
	return r, nil
}

// bpfProgLoad is BPF_PROG_LOAD, again while the kernel says EAGAIN: the verifier gives
// up with EAGAIN when a signal is pending for the thread (the Go runtime's preemption
// signal, a child's SIGCHLD), which on a slow machine happens: a restore in the TCG VM
// failed on it once. cilium/ebpf retries the same way (without a bound); 100 tries is the
// same in practice, without a way to spin forever.
func bpfProgLoad(attr *bpfProgLoadAttr) (uintptr, error) {
	return retryEAGAIN(100, func() (uintptr, error) {
		return bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
	})
}

// retryEAGAIN calls call until it returns anything but EAGAIN, at most tries times.
func retryEAGAIN(tries int, call func() (uintptr, error)) (uintptr, error) {
	for try := 1; ; try++ {
		r, err := call()
		if !errors.Is(err, unix.EAGAIN) || try >= tries {
			return r, err
		}
	}
}

// loadCgroupDeviceProgram loads code (encoded instructions) as a BPF_PROG_TYPE_CGROUP_DEVICE
// program and returns its fd. A program the verifier rejects is loaded again with the
// verifier's log, which the error then ends with.
func loadCgroupDeviceProgram(code []byte, license string) (int, error) {
	if len(code) == 0 || len(code)%bpfInsnSize != 0 {
		return -1, fmt.Errorf("a program of %d bytes", len(code))
	}
	lic := append([]byte(license), 0)
	// The kernel reads code, lic and log through the addresses in attr, which Go does not
	// see as references.
	defer runtime.KeepAlive(code)
	defer runtime.KeepAlive(lic)
	attr := bpfProgLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(code) / bpfInsnSize),
		insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&lic[0]))),
	}
	fd, err := bpfProgLoad(&attr)
	if err == nil {
		return int(fd), nil
	}
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINVAL) {
		log := make([]byte, 64<<10)
		defer runtime.KeepAlive(log)
		attr.logLevel, attr.logSize = 1, uint32(len(log))
		attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
		if fd, lerr := bpfProgLoad(&attr); lerr == nil {
			unix.Close(int(fd)) // loaded this time: keep the first answer
		} else if n := bytes.IndexByte(log, 0); n > 0 {
			err = fmt.Errorf("%w: verifier: %s", err, bytes.TrimSpace(log[:n]))
		}
	}
	return -1, err
}

// attachCgroupDeviceProgram attaches the program prog to the cgroup directory fd target.
func attachCgroupDeviceProgram(target, prog int, flags uint32) error {
	attr := bpfProgAttachAttr{
		targetFd:    uint32(target),
		attachBpfFd: uint32(prog),
		attachType:  unix.BPF_CGROUP_DEVICE,
		attachFlags: flags,
	}
	_, err := bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}
