package seccomp

import (
	"github.com/berth-runtime/berth/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// plan is a profile checked and put in the shape the filter compiler takes, with no
// library involved: every decision about what the profile means is made here, so it is
// unit-testable without cgo or root.
type plan struct {
	defaultAction action
	arches        []archRef
	// flags are seccomp(2) filter flags (SECCOMP_FILTER_FLAG_*), without NEW_LISTENER.
	flags uint
	// flagFields names where each flag came from, for errors found later (kernel support).
	flagFields map[uint]string
	rules      []rule
	// notify: some rule uses SCMP_ACT_NOTIFY; the listener goes to listenerPath.
	notify       bool
	listenerPath string
	metadata     string
}

type archRef struct {
	field string // linux.seccomp.architectures[i]
	spec  string // SCMP_ARCH_X86_64
	lib   string // libseccomp-golang's name, "amd64"
}

type action struct {
	kind actionKind
	// ret is the errno (SCMP_ACT_ERRNO) or the tracer's message (SCMP_ACT_TRACE).
	ret uint
}

// rule is one libseccomp rule: the syscall, its action, and conditions that must all hold.
type rule struct {
	field  string // linux.seccomp.syscalls[i].names[j], for errors
	name   string
	action action
	conds  []cond
}

type cond struct {
	index uint
	op    opKind
	// value and valueTwo as runtime-spec has them; for SCMP_CMP_MASKED_EQ value is the
	// mask and valueTwo the datum: (arg & value) == valueTwo.
	value, valueTwo uint64
}

const field = "linux.seccomp"

// makePlan checks s and turns it into rules. Syscall names are not resolved here:
// names the kernel or libseccomp does not know are skipped at compile time, as runc
// does, so that one profile serves many kernels.
func makePlan(s *specs.LinuxSeccomp) (*plan, error) {
	p := &plan{flagFields: map[uint]string{}, listenerPath: s.ListenerPath, metadata: s.ListenerMetadata}
	var err error
	if p.defaultAction, err = makeAction(field+".defaultAction", string(s.DefaultAction),
		field+".defaultErrnoRet", s.DefaultErrnoRet); err != nil {
		return nil, err
	}
	if p.defaultAction.kind == actNotify {
		// Every syscall berth makes after loading, the one sending the listener to the
		// agent included, would wait for an agent that has no listener yet.
		return nil, configs.FieldErrorf(field+".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action")
	}
	for i, a := range s.Architectures {
		f := configs.Index(field+".architectures", i)
		lib, ok := archNames[string(a)]
		if !ok {
			return nil, configs.FieldErrorf(f, "unknown architecture %q", a)
		}
		p.arches = append(p.arches, archRef{field: f, spec: string(a), lib: lib})
	}
	for i, fl := range s.Flags {
		f := configs.Index(field+".flags", i)
		bit, ok := filterFlags[string(fl)]
		if !ok {
			return nil, configs.FieldErrorf(f, "unknown flag %q", fl)
		}
		p.flags |= bit
		p.flagFields[bit] = f
	}
	for i, sc := range s.Syscalls {
		base := configs.Index(field+".syscalls", i)
		act, err := makeAction(base+".action", string(sc.Action), base+".errnoRet", sc.ErrnoRet)
		if err != nil {
			return nil, err
		}
		if len(sc.Names) == 0 {
			return nil, configs.FieldErrorf(base+".names", "must name at least one syscall")
		}
		conds, err := makeConds(base+".args", sc.Args)
		if err != nil {
			return nil, err
		}
		for j, name := range sc.Names {
			f := configs.Index(base+".names", j)
			if name == "" {
				return nil, configs.FieldErrorf(f, "empty syscall name")
			}
			if act.kind == actNotify && name == "sendmsg" {
				// berth hands the listener to the agent with sendmsg after loading.
				return nil, configs.FieldErrorf(f, "SCMP_ACT_NOTIFY cannot be used for sendmsg: berth sends the listener to the agent with it")
			}
			if act == p.defaultAction {
				// Same as the default: libseccomp refuses such a rule, and it changes nothing.
				continue
			}
			p.notify = p.notify || act.kind == actNotify
			for _, cs := range splitConds(conds) {
				p.rules = append(p.rules, rule{field: f, name: name, action: act, conds: cs})
			}
		}
	}
	switch {
	case p.notify && s.ListenerPath == "":
		return nil, configs.FieldErrorf(field+".listenerPath", "required when a rule uses SCMP_ACT_NOTIFY")
	case s.ListenerMetadata != "" && s.ListenerPath == "":
		return nil, configs.FieldErrorf(field+".listenerMetadata", "set without listenerPath")
	}
	if !p.notify {
		// It only changes how a notifying process waits; without a listener the kernel
		// refuses it.
		p.flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	return p, nil
}

// makeAction checks an action and its errnoRet: only ERRNO and TRACE take one
// (runtime-spec: any other action with errnoRet is an error); their default is EPERM.
func makeAction(actField, name, retField string, ret *uint) (action, error) {
	kind := actionKind(name)
	known := false
	for _, k := range knownActions {
		known = known || k == kind
	}
	switch {
	case name == "":
		return action{}, configs.FieldErrorf(actField, "missing")
	case !known:
		return action{}, configs.FieldErrorf(actField, "unknown action %q", name)
	case kind == actKill:
		kind = actKillThread // the same action under its old name
	}
	if !kind.takesErrno() {
		if ret != nil {
			return action{}, configs.FieldErrorf(retField, "%s does not take an errno", name)
		}
		return action{kind: kind}, nil
	}
	a := action{kind: kind, ret: uint(unix.EPERM)}
	if ret != nil {
		if *ret > maxErrno {
			return action{}, configs.FieldErrorf(retField, "%d is larger than the largest errno (%d)", *ret, maxErrno)
		}
		a.ret = *ret
	}
	return a, nil
}

func makeConds(base string, args []specs.LinuxSeccompArg) ([]cond, error) {
	var out []cond
	for i, a := range args {
		f := configs.Index(base, i)
		if a.Index >= maxArgs {
			return nil, configs.FieldErrorf(f+".index", "%d is not an argument index (0 to %d)", a.Index, maxArgs-1)
		}
		op := opKind(a.Op)
		known := false
		for _, k := range knownOps {
			known = known || k == op
		}
		if !known {
			return nil, configs.FieldErrorf(f+".op", "unknown operator %q", a.Op)
		}
		out = append(out, cond{index: a.Index, op: op, value: a.Value, valueTwo: a.ValueTwo})
	}
	return out, nil
}

// splitConds: conditions on distinct arguments must all hold (one rule). When two
// name the same argument, libseccomp cannot AND them, and runc's reading — which
// profiles in the wild rely on — is that each condition is its own rule (any may hold).
func splitConds(conds []cond) [][]cond {
	seen := map[uint]bool{}
	repeated := false
	for _, c := range conds {
		repeated = repeated || seen[c.index]
		seen[c.index] = true
	}
	if !repeated {
		return [][]cond{conds}
	}
	out := make([][]cond, len(conds))
	for i, c := range conds {
		out[i] = []cond{c}
	}
	return out
}
