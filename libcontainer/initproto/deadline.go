package initproto

import (
	"os"
	"strconv"
	"time"
)

// DefaultTimeout bounds the whole conversation with init during create and exec:
// init's own set-up takes milliseconds, but a process frozen by its cgroup, or stuck in
// the kernel, would otherwise hold the caller (and an engine's create call) forever.
const DefaultTimeout = 2 * time.Minute

// TimeoutEnv overrides it, in seconds, for hosts where building a container's root
// takes longer (huge tmpcopyup trees, slow emulated machines).
const TimeoutEnv = "BERTH_INIT_TIMEOUT"

// Timeout is how long the parent waits for each step of init.
func Timeout() time.Duration {
	if s, err := strconv.ParseFloat(os.Getenv(TimeoutEnv), 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	return DefaultTimeout
}
