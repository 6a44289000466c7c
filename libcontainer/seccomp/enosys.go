package seccomp

import (
	"golang.org/x/sys/unix"
)

// A syscall newer than the profile (or than the libseccomp that compiled it) would get
// the profile's default action, typically EPERM. libc wrappers only fall back to an
// older syscall on ENOSYS (clone3 -> clone, faccessat2 -> faccessat, ...), so a
// program would fail where the kernel itself would have said "no such syscall". Like
// runc, berth puts a stub in front of libseccomp's program: per architecture, a
// syscall numbered above the highest one the profile names gets ENOSYS; everything
// else goes on to the profile. The stub is plain BPF built here from numbers the
// compiler looked up, so it travels and is cached with the rest of the program.

// archLimit is, for one architecture of the filter, the highest syscall number the
// profile names (as seccomp_data.nr has it: x32's carry __X32_SYSCALL_BIT).
type archLimit struct {
	audit uint32 // AUDIT_ARCH_*, as seccomp_data.arch has it
	// x32: the x32 ABI of x86_64, which shares AUDIT_ARCH_X86_64 and is told apart by
	// the __X32_SYSCALL_BIT in the syscall number.
	x32 bool
	max uint32
}

// x32SyscallBit is __X32_SYSCALL_BIT.
const x32SyscallBit = 0x40000000

// auditArches maps libseccomp's architecture names to the AUDIT_ARCH_* the kernel
// reports (x32 reports x86_64's). libseccomp's "sh" is little-endian SuperH.
var auditArches = map[string]uint32{
	"x86": unix.AUDIT_ARCH_I386, "amd64": unix.AUDIT_ARCH_X86_64, "x32": unix.AUDIT_ARCH_X86_64,
	"arm": unix.AUDIT_ARCH_ARM, "arm64": unix.AUDIT_ARCH_AARCH64,
	"mips": unix.AUDIT_ARCH_MIPS, "mips64": unix.AUDIT_ARCH_MIPS64, "mips64n32": unix.AUDIT_ARCH_MIPS64N32,
	"mipsel": unix.AUDIT_ARCH_MIPSEL, "mipsel64": unix.AUDIT_ARCH_MIPSEL64, "mipsel64n32": unix.AUDIT_ARCH_MIPSEL64N32,
	"ppc": unix.AUDIT_ARCH_PPC, "ppc64": unix.AUDIT_ARCH_PPC64, "ppc64le": unix.AUDIT_ARCH_PPC64LE,
	"s390": unix.AUDIT_ARCH_S390, "s390x": unix.AUDIT_ARCH_S390X,
	"parisc": unix.AUDIT_ARCH_PARISC, "parisc64": unix.AUDIT_ARCH_PARISC64,
	"riscv64": unix.AUDIT_ARCH_RISCV64, "loong64": unix.AUDIT_ARCH_LOONGARCH64,
	"m68k": unix.AUDIT_ARCH_M68K, "sh": unix.AUDIT_ARCH_SHEL, "sheb": unix.AUDIT_ARCH_SH,
}

// needsENOSYSStub: a profile whose default lets syscalls through (allow, log, or trace,
// whose tracer handles new syscalls itself) needs no stub, as with runc.
func needsENOSYSStub(p *plan) bool {
	switch p.defaultAction.kind {
	case actAllow, actLog, actTrace:
		return false
	}
	return true
}

// BPF opcodes the stub uses (classic BPF, as seccomp runs it).
const (
	bpfLoadWord = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJumpEq   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfJumpGt   = unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K
	bpfJumpSet  = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	bpfJumpA    = unix.BPF_JMP | unix.BPF_JA
	bpfReturn   = unix.BPF_RET | unix.BPF_K
)

// Offsets in struct seccomp_data.
const (
	offsetNr   = 0
	offsetArch = 4
)

// retENOSYS is SECCOMP_RET_ERRNO with ENOSYS.
const retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)

// enosysStub returns the instructions to run before the profile's own program. Every
// path through it either returns ENOSYS or jumps to the instruction just after it,
// where the profile's program starts (which loads what it needs itself: libseccomp's
// begins by loading the architecture). An architecture with no limit is left to the
// profile.
func enosysStub(limits []archLimit) []unix.SockFilter {
	var sections [][]unix.SockFilter
	for _, audit := range orderedArches(limits) {
		sections = append(sections, archSection(audit, limits))
	}
	// Each "ja" below is written with k = 0 and fixed once the length is known:
	// the one at index i must skip to len(stub).
	var stub []unix.SockFilter
	stub = append(stub, unix.SockFilter{Code: bpfLoadWord, K: offsetArch})
	for _, s := range sections {
		stub = append(stub, s...)
	}
	stub = append(stub, jumpToFilter()) // an architecture the stub does not know
	for i := range stub {
		if stub[i].Code == bpfJumpA {
			stub[i].K = uint32(len(stub) - i - 1)
		}
	}
	return stub
}

// orderedArches lists the architectures of limits once each, in their first order.
func orderedArches(limits []archLimit) []uint32 {
	var out []uint32
	seen := map[uint32]bool{}
	for _, l := range limits {
		if !seen[l.audit] {
			seen[l.audit] = true
			out = append(out, l.audit)
		}
	}
	return out
}

// archSection checks the architecture (the accumulator holds seccomp_data.arch) and,
// on a match, the syscall number. On a mismatch it falls through to the next section
// with the accumulator unchanged.
func archSection(audit uint32, limits []archLimit) []unix.SockFilter {
	var native, x32 *archLimit
	for i := range limits {
		l := &limits[i]
		if l.audit != audit {
			continue
		}
		if l.x32 {
			x32 = l
		} else {
			native = l
		}
	}
	body := []unix.SockFilter{{Code: bpfLoadWord, K: offsetNr}}
	if audit == unix.AUDIT_ARCH_S390 || audit == unix.AUDIT_ARCH_S390X {
		// A syscall number s390 does not know reaches seccomp as 0, the long-gone
		// setup(2), which nothing calls anymore: that is "unknown" too.
		body = append(body,
			unix.SockFilter{Code: bpfJumpEq, Jt: 0, Jf: 1, K: 0},
			unix.SockFilter{Code: bpfReturn, K: retENOSYS})
	}
	if audit == unix.AUDIT_ARCH_X86_64 {
		// x86_64 and x32 share the architecture; the number tells them apart.
		nativePart := limitCheck(native)
		body = append(body, unix.SockFilter{Code: bpfJumpSet, Jt: uint8(len(nativePart)), Jf: 0, K: x32SyscallBit})
		body = append(body, nativePart...)
		body = append(body, limitCheck(x32)...)
	} else {
		body = append(body, limitCheck(native)...)
	}
	// Skip the body when the architecture is another one. (Bodies are a handful of
	// instructions, far from the 255 a conditional jump can skip.)
	head := unix.SockFilter{Code: bpfJumpEq, Jt: 0, Jf: uint8(len(body)), K: audit}
	// The body overwrote the accumulator; the next section compares the architecture
	// again, so a mismatching body must not be entered: it is not (Jf skips it).
	return append([]unix.SockFilter{head}, body...)
}

// limitCheck returns ENOSYS for a number above l.max and goes to the profile
// otherwise; with no limit it goes to the profile.
func limitCheck(l *archLimit) []unix.SockFilter {
	if l == nil {
		return []unix.SockFilter{jumpToFilter()}
	}
	return []unix.SockFilter{
		{Code: bpfJumpGt, Jt: 0, Jf: 1, K: l.max},
		{Code: bpfReturn, K: retENOSYS},
		jumpToFilter(),
	}
}

// jumpToFilter is an unconditional jump whose distance enosysStub fills in.
func jumpToFilter() unix.SockFilter { return unix.SockFilter{Code: bpfJumpA} }
