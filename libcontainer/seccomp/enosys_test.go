package seccomp

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// runBPF runs a classic BPF program over a seccomp_data (nr, arch; no args) the way the
// kernel does, for the instructions libseccomp and enosysStub emit, and returns what
// it returned. Anything else fails the test.
func runBPF(t *testing.T, prog []unix.SockFilter, nr int32, arch uint32) uint32 {
	t.Helper()
	data := make([]byte, 64)
	binary.NativeEndian.PutUint32(data[0:], uint32(nr))
	binary.NativeEndian.PutUint32(data[4:], arch)
	var a, x uint32
	for pc, steps := 0, 0; pc < len(prog); pc, steps = pc+1, steps+1 {
		if steps > 100000 {
			t.Fatal("BPF program does not end")
		}
		in := prog[pc]
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if int(in.K)+4 > len(data) {
				t.Fatalf("pc %d: load past seccomp_data (%d)", pc, in.K)
			}
			a = binary.NativeEndian.Uint32(data[in.K:])
		case unix.BPF_LD | unix.BPF_IMM:
			a = in.K
		case unix.BPF_LDX | unix.BPF_IMM:
			x = in.K
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K:
			a &= in.K
		case unix.BPF_MISC | unix.BPF_TAX:
			x = a
		case unix.BPF_MISC | unix.BPF_TXA:
			a = x
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(in.K)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K,
			unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K, unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K:
			var ok bool
			switch in.Code & 0xf0 {
			case unix.BPF_JEQ:
				ok = a == in.K
			case unix.BPF_JGT:
				ok = a > in.K
			case unix.BPF_JGE:
				ok = a >= in.K
			case unix.BPF_JSET:
				ok = a&in.K != 0
			}
			if ok {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		default:
			t.Fatalf("pc %d: opcode %#x not emulated", pc, in.Code)
		}
	}
	t.Fatal("BPF program ran off its end")
	return 0
}

const (
	retAllow = unix.SECCOMP_RET_ALLOW
	retEPERM = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
)

// profileStandIn stands for libseccomp's program, which starts by loading what it
// needs itself (the architecture): its verdict here is EPERM for everything.
var profileStandIn = []unix.SockFilter{
	{Code: bpfLoadWord, K: offsetArch},
	{Code: bpfReturn, K: retEPERM},
}

func TestENOSYSStub(t *testing.T) {
	limits := []archLimit{
		{audit: unix.AUDIT_ARCH_X86_64, max: 334},
		{audit: unix.AUDIT_ARCH_I386, max: 400},
		{audit: unix.AUDIT_ARCH_S390X, max: 300},
	}
	prog := append(enosysStub(limits), profileStandIn...)
	cases := []struct {
		name string
		nr   int32
		arch uint32
		want uint32
	}{
		{"x86_64, known to the profile", 334, unix.AUDIT_ARCH_X86_64, retEPERM},
		{"x86_64, newer than the profile", 335, unix.AUDIT_ARCH_X86_64, retENOSYS},
		{"x86_64, far newer", 1000, unix.AUDIT_ARCH_X86_64, retENOSYS},
		{"x32 call without an x32 limit: the profile decides", x32SyscallBit | 999, unix.AUDIT_ARCH_X86_64, retEPERM},
		{"i386 below its own limit", 390, unix.AUDIT_ARCH_I386, retEPERM},
		{"i386 above its own limit", 401, unix.AUDIT_ARCH_I386, retENOSYS},
		{"s390x: unknown numbers arrive as 0", 0, unix.AUDIT_ARCH_S390X, retENOSYS},
		{"s390x, known", 5, unix.AUDIT_ARCH_S390X, retEPERM},
		{"an architecture without a limit: the profile decides", 5000, unix.AUDIT_ARCH_AARCH64, retEPERM},
	}
	for _, c := range cases {
		if got := runBPF(t, prog, c.nr, c.arch); got != c.want {
			t.Errorf("%s: returned %#x, want %#x", c.name, got, c.want)
		}
	}
}

func TestENOSYSStubX32(t *testing.T) {
	limits := []archLimit{
		{audit: unix.AUDIT_ARCH_X86_64, max: 334},
		{audit: unix.AUDIT_ARCH_X86_64, x32: true, max: x32SyscallBit | 500},
	}
	prog := append(enosysStub(limits), profileStandIn...)
	for _, c := range []struct {
		nr   int32
		want uint32
	}{
		{334, retEPERM}, {335, retENOSYS},
		{x32SyscallBit | 500, retEPERM}, {x32SyscallBit | 501, retENOSYS},
	} {
		if got := runBPF(t, prog, c.nr, unix.AUDIT_ARCH_X86_64); got != c.want {
			t.Errorf("nr %#x: returned %#x, want %#x", c.nr, got, c.want)
		}
	}
}

func TestENOSYSStubOnlyForRestrictiveDefaults(t *testing.T) {
	for kind, want := range map[actionKind]bool{
		actAllow: false, actLog: false, actTrace: false,
		actErrno: true, actKillProcess: true, actKillThread: true, actTrap: true,
	} {
		if got := needsENOSYSStub(&plan{defaultAction: action{kind: kind}}); got != want {
			t.Errorf("default %s: stub %v, want %v", kind, got, want)
		}
	}
}
