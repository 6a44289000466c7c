package specconv

import (
	"fmt"
	"os"
)

// Warn reports something in the config that berth skips rather than refuses, as runc
// logs it as a warning (an unknown capability, a stray device access letter). The
// command line points it at its logger, so --log and --log-format apply.
var Warn = func(err error) { fmt.Fprintf(os.Stderr, "berth: warning: %v\n", err) }
