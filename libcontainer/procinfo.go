package libcontainer

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/berth-runtime/berth/internal/rawfile"
)

// procStat is what berth needs from /proc/<pid>/stat.
type procStat struct {
	State     byte   // R, S, D, Z, T, ...
	StartTime uint64 // clock ticks after boot: with the pid, identifies a process for good
}

// readProcStat parses /proc/<pid>/stat. The command name may hold spaces and parens,
// so fields are counted from the last ')'.
func readProcStat(pid int) (procStat, error) {
	data, err := rawfile.ReadKernelFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(data)
}

func parseProcStat(data []byte) (procStat, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return procStat{}, fmt.Errorf("malformed stat line")
	}
	fields := bytes.Fields(data[i+2:])
	// fields[0] is field 3 (state); starttime is field 22.
	if len(fields) < 20 {
		return procStat{}, fmt.Errorf("malformed stat line: %d fields", len(fields))
	}
	st, err := strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("malformed start time: %w", err)
	}
	return procStat{State: fields[0][0], StartTime: st}, nil
}

// processAlive reports whether pid is still the process that started at startTime and
// has not exited (a zombie has exited: nobody reaped it yet).
func processAlive(pid int, startTime uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := readProcStat(pid)
	if err != nil {
		return false
	}
	return st.StartTime == startTime && st.State != 'Z' && st.State != 'X'
}
