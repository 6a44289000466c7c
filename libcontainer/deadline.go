package libcontainer

import (
	"os"
	"strconv"
	"time"
)

// defaultInitTimeout bounds the whole conversation with init during create and exec:
// init's own set-up takes milliseconds, but a process frozen by its cgroup, or stuck in
// the kernel, would otherwise hold the caller (and an engine's create call) forever.
const defaultInitTimeout = 2 * time.Minute

// initTimeoutEnv overrides it, in seconds, for hosts where building a container's root
// takes longer (huge tmpcopyup trees, slow emulated machines).
const initTimeoutEnv = "BERTH_INIT_TIMEOUT"

func initTimeout() time.Duration {
	if s, err := strconv.ParseFloat(os.Getenv(initTimeoutEnv), 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	return defaultInitTimeout
}
