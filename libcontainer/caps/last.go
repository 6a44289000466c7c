package caps

import (
	"strconv"
	"strings"
	"sync"

	"github.com/berth-runtime/berth/internal/rawfile"
	"golang.org/x/sys/unix"
)

var (
	lastOnce sync.Once
	lastCap  int
)

// Last returns the highest capability number the running kernel knows. Sets may name
// newer capabilities; those above Last are skipped rather than failing the container.
func Last() int {
	lastOnce.Do(func() { lastCap = readLastCap() })
	return lastCap
}

func readLastCap() int {
	if b, err := rawfile.ReadKernelFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n >= 0 {
			return n
		}
	}
	return probeLastCap()
}

// probeLastCap asks the kernel directly, for when /proc is missing or strange:
// PR_CAPBSET_READ fails with EINVAL for the first number past the last capability.
func probeLastCap() int {
	n := 0
	for n < 63 {
		if _, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n+1), 0, 0, 0); err != nil {
			break
		}
		n++
	}
	return n
}
