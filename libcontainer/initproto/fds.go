package initproto

import (
	"fmt"
	"os"
	"strconv"
)

// Environment variables naming init's fds: the parent lays them out when it spawns
// init, init reads them (and clears its environment) first thing.
const (
	SyncEnv    = "_BERTH_INIT_SYNC"    // init's end of the protocol socket
	ExecEnv    = "_BERTH_INIT_EXEC"    // exec.sock listener (create)
	ConsoleEnv = "_BERTH_INIT_CONSOLE" // console socket (process.terminal)
)

// EnvFD reads an fd number the parent set; -1 when absent.
func EnvFD(name string) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return -1, nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil {
		return -1, fmt.Errorf("%s=%q: %w", name, v, err)
	}
	return fd, nil
}
