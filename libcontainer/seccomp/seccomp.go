// Package seccomp turns runtime-spec's linux.seccomp into a loaded seccomp filter.
//
// Validate runs in `berth create` before anything exists (errors name the field, e.g.
// linux.seccomp.syscalls[3].names[1]). Compile runs in `berth init` while it can still
// report to create; Filter.Load runs as late as possible before the user process execs.
// Only compiling uses libseccomp (cgo); checking the profile and loading the program
// are plain Go, and nothing else in berth needs cgo.
package seccomp

import (
	"errors"
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// Validate checks a profile: actions and their errnoRet, architectures (known to the
// linked libseccomp), flags (known to the kernel), argument indexes and operators,
// notify settings. Unknown syscall names are not errors: they are skipped when the
// filter is compiled, as runc does, so one profile serves many kernels.
func Validate(s *specs.LinuxSeccomp) error {
	if s == nil {
		return nil
	}
	p, err := makePlan(s)
	if err != nil {
		return err
	}
	if !compiledIn {
		return configs.FieldErrorf(field, "%w", errNotCompiledIn)
	}
	for _, a := range p.arches {
		switch known, withNative := archSupport(a.lib); {
		case !known:
			return configs.FieldErrorf(a.field, "%s is not known to libseccomp %s", a.spec, libVersion())
		case !withNative:
			return configs.FieldErrorf(a.field, "%s cannot share a filter with this host's architecture (%s)", a.spec, nativeArch())
		}
	}
	return checkKernelFlags(p)
}

// Compile validates s and builds its filter. A nil profile has no filter (nil, nil).
func Compile(s *specs.LinuxSeccomp) (*Filter, error) { return CompileCached(s, "") }

// AgentPath is the socket a process confined by s sends its listener to: listenerPath
// when a rule notifies, "" otherwise (or when s is not valid).
func AgentPath(s *specs.LinuxSeccomp) string {
	if s == nil {
		return ""
	}
	p, err := makePlan(s)
	if err != nil || !p.notify {
		return ""
	}
	return p.listenerPath
}

// Features is linux.seccomp of `berth features`: what this build and kernel support.
func Features() *features.Seccomp {
	enabled := compiledIn
	out := &features.Seccomp{Enabled: &enabled}
	if !compiledIn {
		return out
	}
	for _, a := range knownActions {
		out.Actions = append(out.Actions, string(a))
	}
	for _, o := range knownOps {
		out.Operators = append(out.Operators, string(o))
	}
	for _, name := range archOrder() {
		if known, _ := archSupport(archNames[name]); known {
			out.Archs = append(out.Archs, name)
		}
	}
	out.KnownFlags = append([]string(nil), knownFlags...)
	out.SupportedFlags = supportedFlags()
	return out
}

// errNotCompiledIn: a build without cgo has no libseccomp to compile filters with.
var errNotCompiledIn = errors.New("this berth was built without seccomp support (CGO_ENABLED=0)")

// LibraryVersion is the linked libseccomp's version ("none" without cgo).
func LibraryVersion() string { return libVersion() }

// archOrder lists archNames in runtime-spec's order, the newer ones last.
func archOrder() []string {
	order := []string{
		"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
		"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
		"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
		"SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
		"SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
		"SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
	}
	if len(order) != len(archNames) {
		panic(fmt.Sprintf("seccomp: archOrder has %d names, archNames %d", len(order), len(archNames)))
	}
	return order
}
