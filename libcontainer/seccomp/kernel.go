package seccomp

import (
	"errors"
	"unsafe"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// seccompSyscall is seccomp(2), raw: glibc has no wrapper and berth wants the exact
// flags it passes (libseccomp's loader would add TSYNC and no_new_privs of its own).
func seccompSyscall(op, flags uint, arg unsafe.Pointer) (uintptr, error) {
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, uintptr(op), uintptr(flags), uintptr(arg))
	if errno != 0 {
		return r, errno
	}
	return r, nil
}

// flagSupported asks the kernel whether it knows a filter flag, without loading
// anything: with a NULL program a known flag fails on the copy (EFAULT), an unknown one
// earlier (EINVAL).
func flagSupported(flag uint) bool {
	if flag == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {
		flag |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER // refused on its own
	}
	_, err := seccompSyscall(unix.SECCOMP_SET_MODE_FILTER, flag, nil)
	return errors.Is(err, unix.EFAULT)
}

// checkKernelFlags names the first flag of p the running kernel does not have.
func checkKernelFlags(p *plan) error {
	for _, name := range knownFlags {
		bit := filterFlags[name]
		if p.flags&bit != 0 && !flagSupported(bit) {
			return configs.FieldErrorf(p.flagFields[bit], "%s is not supported by this kernel", name)
		}
	}
	if p.notify && !flagSupported(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		return configs.FieldErrorf(field+".syscalls", "SCMP_ACT_NOTIFY is not supported by this kernel")
	}
	return nil
}

// supportedFlags lists the known flags this kernel accepts.
func supportedFlags() []string {
	var out []string
	for _, name := range knownFlags {
		if flagSupported(filterFlags[name]) {
			out = append(out, name)
		}
	}
	return out
}
