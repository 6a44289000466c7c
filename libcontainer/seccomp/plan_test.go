package seccomp

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func uintp(v uint) *uint { return &v }

func TestMakePlanRules(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction:   "SCMP_ACT_ERRNO",
		DefaultErrnoRet: uintp(38),
		Architectures:   []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"},
		Flags:           []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write"}, Action: "SCMP_ACT_ALLOW"},
			{Names: []string{"mkdir"}, Action: "SCMP_ACT_ERRNO"},                      // EPERM
			{Names: []string{"rmdir"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: uintp(38)}, // same as default: dropped
			{Names: []string{"umask"}, Action: "SCMP_ACT_KILL"},                       // KILL is KILL_THREAD
			{Names: []string{"kill"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: uintp(13), Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 1, Op: "SCMP_CMP_EQ"},
				{Index: 1, Value: 0xf, ValueTwo: 9, Op: "SCMP_CMP_MASKED_EQ"},
			}},
		},
	}
	p, err := makePlan(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := (action{kind: actErrno, ret: 38}); p.defaultAction != want {
		t.Errorf("default action %+v, want %+v", p.defaultAction, want)
	}
	if want := uint(unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW); p.flags != want {
		t.Errorf("flags %#x, want %#x", p.flags, want)
	}
	if len(p.arches) != 2 || p.arches[0].lib != "amd64" || p.arches[1].lib != "x86" {
		t.Errorf("arches %+v", p.arches)
	}
	want := []rule{
		{field: "linux.seccomp.syscalls[0].names[0]", name: "read", action: action{kind: actAllow}, conds: nil},
		{field: "linux.seccomp.syscalls[0].names[1]", name: "write", action: action{kind: actAllow}, conds: nil},
		{field: "linux.seccomp.syscalls[1].names[0]", name: "mkdir", action: action{kind: actErrno, ret: uint(unix.EPERM)}, conds: nil},
		{field: "linux.seccomp.syscalls[3].names[0]", name: "umask", action: action{kind: actKillThread}, conds: nil},
		{field: "linux.seccomp.syscalls[4].names[0]", name: "kill", action: action{kind: actErrno, ret: 13}, conds: []cond{
			{index: 0, op: opEqual, value: 1},
			{index: 1, op: opMaskedEqual, value: 0xf, valueTwo: 9},
		}},
	}
	if !reflect.DeepEqual(p.rules, want) {
		t.Errorf("rules:\n got %+v\nwant %+v", p.rules, want)
	}
	if p.notify {
		t.Error("notify set without a notify rule")
	}
}

// Conditions on one argument cannot all hold in one libseccomp rule: each becomes a
// rule of its own, as runc reads such profiles.
func TestSplitConds(t *testing.T) {
	distinct := []cond{{index: 0, op: opEqual, value: 1}, {index: 2, op: opNotEqual, value: 3}}
	if got := splitConds(distinct); !reflect.DeepEqual(got, [][]cond{distinct}) {
		t.Errorf("distinct args: %+v", got)
	}
	same := []cond{{index: 1, op: opEqual, value: 9}, {index: 1, op: opEqual, value: 11}}
	if got := splitConds(same); !reflect.DeepEqual(got, [][]cond{{same[0]}, {same[1]}}) {
		t.Errorf("same arg: %+v", got)
	}
	if got := splitConds(nil); len(got) != 1 || got[0] != nil {
		t.Errorf("no args: %+v", got)
	}
}

func TestMakePlanNotify(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction:    "SCMP_ACT_ALLOW",
		ListenerPath:     "/run/agent.sock",
		ListenerMetadata: "meta",
		Flags:            []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
		Syscalls:         []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: "SCMP_ACT_NOTIFY"}},
	}
	p, err := makePlan(s)
	if err != nil {
		t.Fatal(err)
	}
	if !p.notify || p.listenerPath != "/run/agent.sock" || p.metadata != "meta" {
		t.Errorf("notify plan %+v", p)
	}
	if p.flags != unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {
		t.Errorf("flags %#x", p.flags)
	}
	if got := AgentPath(s); got != "/run/agent.sock" {
		t.Errorf("AgentPath %q", got)
	}
	// Without a notify rule the listener path is ignored, and so is WAIT_KILLABLE_RECV
	// (the kernel takes it only with a listener).
	s.Syscalls[0].Action = "SCMP_ACT_ERRNO"
	if p, err = makePlan(s); err != nil || p.notify || p.flags != 0 || AgentPath(s) != "" {
		t.Errorf("no notify rule: plan %+v, err %v, AgentPath %q", p, err, AgentPath(s))
	}
}

func TestMakePlanErrors(t *testing.T) {
	base := func() *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{
			DefaultAction: "SCMP_ACT_ALLOW",
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"getcwd", "mkdir"}, Action: "SCMP_ACT_ERRNO"}},
		}
	}
	cases := []struct {
		name   string
		mutate func(s *specs.LinuxSeccomp)
		want   string
	}{
		{"no default", func(s *specs.LinuxSeccomp) { s.DefaultAction = "" }, "linux.seccomp.defaultAction: missing"},
		{"unknown default", func(s *specs.LinuxSeccomp) { s.DefaultAction = "SCMP_ACT_NOPE" }, `linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"`},
		{"default errno on allow", func(s *specs.LinuxSeccomp) { s.DefaultErrnoRet = uintp(1) }, "linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW does not take an errno"},
		{"notify default", func(s *specs.LinuxSeccomp) { s.DefaultAction = "SCMP_ACT_NOTIFY"; s.ListenerPath = "/x" }, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
		{"unknown arch", func(s *specs.LinuxSeccomp) { s.Architectures = []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"} }, `linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"`},
		{"unknown flag", func(s *specs.LinuxSeccomp) { s.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NOPE"} }, `linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NOPE"`},
		{"unknown action", func(s *specs.LinuxSeccomp) { s.Syscalls[0].Action = "SCMP_ACT_NOPE" }, `linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_NOPE"`},
		{"errnoRet on kill", func(s *specs.LinuxSeccomp) { s.Syscalls[0].Action = "SCMP_ACT_KILL"; s.Syscalls[0].ErrnoRet = uintp(1) }, "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_KILL does not take an errno"},
		{"errno too big", func(s *specs.LinuxSeccomp) { s.Syscalls[0].ErrnoRet = uintp(4096) }, "linux.seccomp.syscalls[0].errnoRet: 4096 is larger"},
		{"no names", func(s *specs.LinuxSeccomp) { s.Syscalls[0].Names = nil }, "linux.seccomp.syscalls[0].names: must name at least one syscall"},
		{"empty name", func(s *specs.LinuxSeccomp) { s.Syscalls[0].Names[1] = "" }, "linux.seccomp.syscalls[0].names[1]: empty syscall name"},
		{"arg index", func(s *specs.LinuxSeccomp) {
			s.Syscalls[0].Args = []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_EQ"}, {Index: 6, Op: "SCMP_CMP_EQ"}}
		}, "linux.seccomp.syscalls[0].args[1].index: 6 is not an argument index"},
		{"arg op", func(s *specs.LinuxSeccomp) {
			s.Syscalls[0].Args = []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_LIKE"}}
		}, `linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_LIKE"`},
		{"notify without listener", func(s *specs.LinuxSeccomp) { s.Syscalls[0].Action = "SCMP_ACT_NOTIFY" }, "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY"},
		{"notify on sendmsg", func(s *specs.LinuxSeccomp) {
			s.ListenerPath = "/x"
			s.Syscalls[0].Action = "SCMP_ACT_NOTIFY"
			s.Syscalls[0].Names[1] = "sendmsg"
		}, "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for sendmsg"},
		{"metadata without listener", func(s *specs.LinuxSeccomp) { s.ListenerMetadata = "m" }, "linux.seccomp.listenerMetadata: set without listenerPath"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			c.mutate(s)
			_, err := makePlan(s)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got %v, want an error starting with %q", err, c.want)
			}
			if _, ok := err.(*configs.FieldError); !ok {
				t.Errorf("error is a %T, not a *configs.FieldError", err)
			}
		})
	}
}

// Unknown syscall names are not a validation error: a profile written for a newer
// kernel must still load (they are skipped at compile time).
func TestMakePlanKeepsUnknownNames(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: "SCMP_ACT_ALLOW",
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"no_such_syscall", "mkdir"}, Action: "SCMP_ACT_ERRNO"}},
	}
	p, err := makePlan(s)
	if err != nil || len(p.rules) != 2 {
		t.Fatalf("plan %+v, err %v", p, err)
	}
}

func TestEveryKnownName(t *testing.T) {
	for _, a := range knownActions {
		if _, err := makeAction("f", string(a), "r", nil); err != nil {
			t.Errorf("action %s: %v", a, err)
		}
	}
	if len(archOrder()) != len(archNames) {
		t.Error("archOrder and archNames differ")
	}
	for _, name := range archOrder() {
		if _, ok := archNames[name]; !ok {
			t.Errorf("archOrder has %s, archNames does not", name)
		}
	}
	for _, f := range knownFlags {
		if _, ok := filterFlags[f]; !ok {
			t.Errorf("flag %s has no value", f)
		}
	}
}
