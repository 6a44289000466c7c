package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

var rlimitNumbers = map[string]int{
	"RLIMIT_CPU": unix.RLIMIT_CPU, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_DATA": unix.RLIMIT_DATA,
	"RLIMIT_STACK": unix.RLIMIT_STACK, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_NOFILE": unix.RLIMIT_NOFILE,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE,
	"RLIMIT_NICE": unix.RLIMIT_NICE, "RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME,
}

func convertRlimits(in []specs.POSIXRlimit) ([]configs.Rlimit, error) {
	var out []configs.Rlimit
	seen := map[string]int{}
	for i, r := range in {
		field := configs.Index("process.rlimits", i)
		n, ok := rlimitNumbers[r.Type]
		if !ok {
			return nil, configs.FieldErrorf(field+".type", "unknown rlimit %q", r.Type)
		}
		if j, dup := seen[r.Type]; dup {
			return nil, configs.FieldErrorf(field+".type", "duplicate rlimit %q (already process.rlimits[%d])", r.Type, j)
		}
		seen[r.Type] = i
		// setrlimit(2) fails with EINVAL for this; say so before starting anything.
		if r.Soft > r.Hard {
			return nil, configs.FieldErrorf(field, "soft limit %d is above hard limit %d", r.Soft, r.Hard)
		}
		out = append(out, configs.Rlimit{Type: n, Hard: r.Hard, Soft: r.Soft})
	}
	return out, nil
}
