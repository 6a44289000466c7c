package seccomp

import "golang.org/x/sys/unix"

// actionKind is a seccomp action as runtime-spec spells it, without its errno.
type actionKind string

// The actions of runtime-spec (libseccomp's names). SCMP_ACT_KILL is libseccomp's old
// name for SCMP_ACT_KILL_THREAD.
const (
	actKill        actionKind = "SCMP_ACT_KILL"
	actKillProcess actionKind = "SCMP_ACT_KILL_PROCESS"
	actKillThread  actionKind = "SCMP_ACT_KILL_THREAD"
	actTrap        actionKind = "SCMP_ACT_TRAP"
	actErrno       actionKind = "SCMP_ACT_ERRNO"
	actTrace       actionKind = "SCMP_ACT_TRACE"
	actAllow       actionKind = "SCMP_ACT_ALLOW"
	actLog         actionKind = "SCMP_ACT_LOG"
	actNotify      actionKind = "SCMP_ACT_NOTIFY"
)

// knownActions is every action berth loads, in the order `berth features` lists them.
var knownActions = []actionKind{
	actKill, actKillProcess, actKillThread, actTrap, actErrno, actTrace, actAllow, actLog, actNotify,
}

// takesErrno: only these actions carry a value (the errno, or the tracer's message).
func (a actionKind) takesErrno() bool { return a == actErrno || a == actTrace }

// opKind is an argument comparison as runtime-spec spells it.
type opKind string

const (
	opNotEqual     opKind = "SCMP_CMP_NE"
	opLess         opKind = "SCMP_CMP_LT"
	opLessEqual    opKind = "SCMP_CMP_LE"
	opEqual        opKind = "SCMP_CMP_EQ"
	opGreaterEqual opKind = "SCMP_CMP_GE"
	opGreater      opKind = "SCMP_CMP_GT"
	opMaskedEqual  opKind = "SCMP_CMP_MASKED_EQ"
)

var knownOps = []opKind{opNotEqual, opLess, opLessEqual, opEqual, opGreaterEqual, opGreater, opMaskedEqual}

// archNames maps runtime-spec's architecture names to libseccomp-golang's. The last
// four are newer than runtime-spec's list; whether the linked libseccomp knows an
// architecture is checked when the profile is validated (archSupported).
var archNames = map[string]string{
	"SCMP_ARCH_X86":         "x86",
	"SCMP_ARCH_X86_64":      "amd64",
	"SCMP_ARCH_X32":         "x32",
	"SCMP_ARCH_ARM":         "arm",
	"SCMP_ARCH_AARCH64":     "arm64",
	"SCMP_ARCH_MIPS":        "mips",
	"SCMP_ARCH_MIPS64":      "mips64",
	"SCMP_ARCH_MIPS64N32":   "mips64n32",
	"SCMP_ARCH_MIPSEL":      "mipsel",
	"SCMP_ARCH_MIPSEL64":    "mipsel64",
	"SCMP_ARCH_MIPSEL64N32": "mipsel64n32",
	"SCMP_ARCH_PPC":         "ppc",
	"SCMP_ARCH_PPC64":       "ppc64",
	"SCMP_ARCH_PPC64LE":     "ppc64le",
	"SCMP_ARCH_S390":        "s390",
	"SCMP_ARCH_S390X":       "s390x",
	"SCMP_ARCH_PARISC":      "parisc",
	"SCMP_ARCH_PARISC64":    "parisc64",
	"SCMP_ARCH_RISCV64":     "riscv64",
	"SCMP_ARCH_LOONGARCH64": "loong64",
	"SCMP_ARCH_M68K":        "m68k",
	"SCMP_ARCH_SH":          "sh",
	"SCMP_ARCH_SHEB":        "sheb",
}

// filterFlags maps runtime-spec's flag names to seccomp(2)'s.
var filterFlags = map[string]uint{
	"SECCOMP_FILTER_FLAG_TSYNC":              unix.SECCOMP_FILTER_FLAG_TSYNC,
	"SECCOMP_FILTER_FLAG_LOG":                unix.SECCOMP_FILTER_FLAG_LOG,
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW":         unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

// knownFlags lists filterFlags in a stable order.
var knownFlags = []string{
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
}

// maxArgs is the number of syscall arguments seccomp sees (seccomp_data.args).
const maxArgs = 6

// maxErrno is MAX_ERRNO: the kernel clamps anything larger.
const maxErrno = 4095
