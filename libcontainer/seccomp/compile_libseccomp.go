//go:build cgo

package seccomp

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/berth-runtime/berth/libcontainer/configs"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// compiledIn: this build links libseccomp.
const compiledIn = true

// compile turns a plan into BPF with libseccomp. Only compiling goes through the
// library; berth loads the program itself (see Filter.Load).
func compile(p *plan) ([]unix.SockFilter, error) {
	def, err := libAction(p.defaultAction)
	if err != nil {
		return nil, configs.FieldErrorf(field+".defaultAction", "%w", err)
	}
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	defer f.Release()
	for _, a := range p.arches {
		arch, err := libseccomp.GetArchFromString(a.lib)
		if err == nil {
			err = f.AddArch(arch)
		}
		if err != nil {
			return nil, configs.FieldErrorf(a.field, "%s is not supported by libseccomp %s: %w", a.spec, libVersion(), err)
		}
	}
	for _, r := range p.rules {
		nr, err := libseccomp.GetSyscallFromName(r.name)
		if err != nil {
			continue // unknown to this libseccomp: skipped, as runc does
		}
		act, err := libAction(r.action)
		if err != nil {
			return nil, configs.FieldErrorf(r.field, "%w", err)
		}
		conds := make([]libseccomp.ScmpCondition, 0, len(r.conds))
		for _, c := range r.conds {
			lc, err := libCondition(c)
			if err != nil {
				return nil, configs.FieldErrorf(r.field, "%w", err)
			}
			conds = append(conds, lc)
		}
		if len(conds) == 0 {
			err = f.AddRule(nr, act)
		} else {
			err = f.AddRuleConditional(nr, act, conds)
		}
		if err != nil {
			return nil, configs.FieldErrorf(r.field, "add rule for %s: %w", r.name, err)
		}
	}
	prog, err := exportBPF(f)
	if err != nil || !needsENOSYSStub(p) {
		return prog, err
	}
	limits, err := syscallLimits(p)
	if err != nil {
		return nil, err
	}
	prog = append(enosysStub(limits), prog...)
	if len(prog) > maxInstructions {
		return nil, fmt.Errorf("%s: the filter has %d instructions, more than the kernel takes (%d)", field, len(prog), maxInstructions)
	}
	return prog, nil
}

// syscallLimits finds, for each architecture of the filter (the native one and those
// listed), the highest syscall number the profile's rules name (see enosysStub).
// Names this libseccomp does not know, and the negative numbers it gives syscalls an
// architecture only has through a multiplexer (socketcall, ipc), do not count.
func syscallLimits(p *plan) ([]archLimit, error) {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return nil, fmt.Errorf("%s: native architecture: %w", field, err)
	}
	arches := []libseccomp.ScmpArch{native}
	for _, a := range p.arches {
		arch, err := libseccomp.GetArchFromString(a.lib)
		if err != nil {
			return nil, configs.FieldErrorf(a.field, "%s is not supported by libseccomp %s: %w", a.spec, libVersion(), err)
		}
		if !slices.Contains(arches, arch) {
			arches = append(arches, arch)
		}
	}
	var limits []archLimit
	for _, arch := range arches {
		audit, ok := auditArches[arch.String()]
		if !ok {
			continue // left to the profile: berth cannot name it in the stub
		}
		var max int64 = -1
		for _, r := range p.rules {
			nr, err := libseccomp.GetSyscallFromNameByArch(r.name, arch)
			if err == nil && int64(nr) > max {
				max = int64(nr)
			}
		}
		if max >= 0 {
			limits = append(limits, archLimit{audit: audit, x32: arch == libseccomp.ArchX32, max: uint32(max)})
		}
	}
	return limits, nil
}

// exportBPF reads the program libseccomp generates. ExportBPFMem needs libseccomp
// 2.6; a memfd works with every version.
func exportBPF(f *libseccomp.ScmpFilter) ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("berth-seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	file := os.NewFile(uintptr(fd), "berth-seccomp-bpf")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	raw, err := io.ReadAll(file)
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	return decodeBPF(raw)
}

// decodeBPF splits struct sock_filter records (u16 code, u8 jt, u8 jf, u32 k; host
// byte order).
func decodeBPF(raw []byte) ([]unix.SockFilter, error) {
	if len(raw) == 0 || len(raw)%8 != 0 {
		return nil, fmt.Errorf("export seccomp filter: %d bytes is not a BPF program", len(raw))
	}
	if len(raw)/8 > maxInstructions {
		return nil, fmt.Errorf("seccomp filter has %d instructions, more than the kernel takes", len(raw)/8)
	}
	prog := make([]unix.SockFilter, len(raw)/8)
	for i := range prog {
		r := raw[i*8:]
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(r[0:]),
			Jt:   r[2],
			Jf:   r[3],
			K:    binary.NativeEndian.Uint32(r[4:]),
		}
	}
	return prog, nil
}

func libAction(a action) (libseccomp.ScmpAction, error) {
	switch a.kind {
	case actKillThread:
		return libseccomp.ActKillThread, nil
	case actKillProcess:
		return libseccomp.ActKillProcess, nil
	case actTrap:
		return libseccomp.ActTrap, nil
	case actErrno:
		return libseccomp.ActErrno.SetReturnCode(int16(a.ret)), nil
	case actTrace:
		return libseccomp.ActTrace.SetReturnCode(int16(a.ret)), nil
	case actAllow:
		return libseccomp.ActAllow, nil
	case actLog:
		return libseccomp.ActLog, nil
	case actNotify:
		return libseccomp.ActNotify, nil
	}
	return libseccomp.ActInvalid, fmt.Errorf("unknown action %q", a.kind)
}

func libCondition(c cond) (libseccomp.ScmpCondition, error) {
	ops := map[opKind]libseccomp.ScmpCompareOp{
		opNotEqual: libseccomp.CompareNotEqual, opLess: libseccomp.CompareLess,
		opLessEqual: libseccomp.CompareLessOrEqual, opEqual: libseccomp.CompareEqual,
		opGreaterEqual: libseccomp.CompareGreaterEqual, opGreater: libseccomp.CompareGreater,
		opMaskedEqual: libseccomp.CompareMaskedEqual,
	}
	op, ok := ops[c.op]
	if !ok {
		return libseccomp.ScmpCondition{}, fmt.Errorf("unknown operator %q", c.op)
	}
	if c.op == opMaskedEqual {
		return libseccomp.MakeCondition(c.index, op, c.value, c.valueTwo)
	}
	return libseccomp.MakeCondition(c.index, op, c.value)
}

// archSupport tells whether the linked libseccomp knows an architecture, and whether
// it can go in one filter with the native one (libseccomp refuses to mix byte orders).
func archSupport(lib string) (known, withNative bool) {
	arch, err := libseccomp.GetArchFromString(lib)
	if err != nil {
		return false, false
	}
	try := func(dropNative bool) bool {
		f, err := libseccomp.NewFilter(libseccomp.ActAllow)
		if err != nil {
			return false
		}
		defer f.Release()
		if dropNative {
			native, err := libseccomp.GetNativeArch()
			if err != nil || native == arch {
				return err == nil
			}
			if err := f.RemoveArch(native); err != nil {
				return false
			}
		}
		return f.AddArch(arch) == nil
	}
	if try(false) {
		return true, true
	}
	return try(true), false
}

func nativeArch() string {
	a, err := libseccomp.GetNativeArch()
	if err != nil {
		return "unknown"
	}
	return a.String()
}

func libVersion() string {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", major, minor, micro)
}
