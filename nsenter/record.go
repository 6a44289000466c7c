package nsenter

import (
	"encoding/binary"
	"fmt"
	"syscall"
)

// A record is the fixed-size message the raw stages write on the sync socket. Raw code
// cannot marshal anything, so a record is a plain struct written with one write(2).
// The first byte is recordMagic, which can never start a JSON message: the reader can
// tell a late raw error from the first message of `berth init`.
type record struct {
	Magic uint8
	Kind  uint8
	Step  uint16
	Errno uint32
	Value int64
}

const (
	recordMagic = 0xb5
	recordSize  = 16
)

// Record kinds.
const (
	kindReady     = 1 // stage 1 is in its user namespace and waits for id maps and cgroup
	kindInitPid   = 2 // Value: pid of the last stage, in the caller's pid namespace
	kindError     = 3 // Step failed with Errno
	kindProcFd    = 4 // plan: Value is the fd of the proc instance the last stage made
	kindWaiting   = 5 // plan: the last stage is set up and waits for start
	kindCommitted = 6 // plan: the commit byte arrived; the process no longer dies with its creator
	kindFsFd      = 7 // plan: Step is the index in Plan.Filesystems; Value the instance's fd, or with Errno the failed call (fsStepName)
)

// Steps, for error messages; Value carries the index into Config.Join where it applies.
const (
	stepJoin = iota + 1
	stepUnshareUser
	stepWaitMaps
	stepSetID
	stepUnshare
	stepClone
	stepWriteRecord
	stepDupFiles
	stepExec
	stepDumpable
	stepJoinPid
	stepParentDeath
	stepCloseFds
	stepChroot
	stepDropDAC
	stepProcMount
	stepWaitPlan
	stepKeyring
	stepCwd
	stepSeccomp
	stepBounding
	stepSetUser
	stepCapabilities
	stepExecProgram
	stepTerminal
	stepPersonality
	stepMemPolicy
	stepTimerSlack
	stepNoNewPrivs
)

var stepNames = map[uint16]string{
	stepJoin:         "join namespace",
	stepUnshareUser:  "create user namespace",
	stepWaitMaps:     "wait for id mappings",
	stepSetID:        "become root in the user namespace",
	stepUnshare:      "create namespaces",
	stepClone:        "fork into the new namespaces",
	stepWriteRecord:  "report to the parent",
	stepDupFiles:     "set up file descriptors",
	stepExec:         "execute init",
	stepDumpable:     "make process non-dumpable",
	stepJoinPid:      "enter the namespaces of the container's init",
	stepParentDeath:  "set the parent-death signal",
	stepCloseFds:     "close the caller's file descriptors",
	stepChroot:       "enter the root of the container's init",
	stepDropDAC:      "drop file access capabilities before exec",
	stepProcMount:    "make the container's proc instance",
	stepWaitPlan:     "read the go-ahead",
	stepKeyring:      "join a new session keyring",
	stepCwd:          "process.cwd",
	stepSeccomp:      "load the seccomp filter",
	stepBounding:     "process.capabilities.bounding",
	stepSetUser:      "process.user",
	stepCapabilities: "process.capabilities",
	stepExecProgram:  "hand over to the sealed exec program",
	stepTerminal:     "process.terminal: set the controlling terminal",
	stepPersonality:  "linux.personality",
	stepMemPolicy:    "linux.memoryPolicy: set_mempolicy",
	stepTimerSlack:   "set the caller's timer slack",
	stepNoNewPrivs:   "process.noNewPrivileges",
}

func parseRecord(buf [recordSize]byte) (record, error) {
	rec := record{
		Magic: buf[0],
		Kind:  buf[1],
		Step:  binary.NativeEndian.Uint16(buf[2:]),
		Errno: binary.NativeEndian.Uint32(buf[4:]),
		Value: int64(binary.NativeEndian.Uint64(buf[8:])),
	}
	if rec.Magic != recordMagic {
		return rec, fmt.Errorf("nsenter: unexpected data on sync socket (0x%02x)", rec.Magic)
	}
	return rec, nil
}

// err turns an error record into an error naming the step (and namespace path for joins).
func (r record) err(cfg *Config) error {
	what := stepNames[r.Step]
	if what == "" {
		what = fmt.Sprintf("step %d", r.Step)
	}
	if r.Step == stepJoin && r.Value >= 0 && int(r.Value) < len(cfg.Join) {
		j := cfg.Join[r.Value]
		what = fmt.Sprintf("join %s namespace %s", NamespaceName(j.Type), j.Path)
	}
	if pl := cfg.Plan; pl != nil {
		// The values, as init's errors name them.
		switch {
		case r.Step == stepMemPolicy:
			what = fmt.Sprintf("linux.memoryPolicy: set_mempolicy(mode %#x, nodes %v)", pl.MemPolicyMode, pl.MemPolicyNodes)
		case r.Step == stepPersonality && pl.Personality != nil:
			what = fmt.Sprintf("linux.personality: personality(%#x)", *pl.Personality)
		}
	}
	if r.Step == stepExec && syscall.Errno(r.Errno) == syscall.ENOENT {
		// The binary is there (we hold it); its ELF interpreter is not, in the mount
		// namespace we entered: berth must be linked statically.
		what += " (is berth linked dynamically? its interpreter is missing in the container)"
	}
	return fmt.Errorf("nsenter: %s: %w", what, syscall.Errno(r.Errno))
}
