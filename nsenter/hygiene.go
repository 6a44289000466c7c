package nsenter

import (
	"bytes"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/berth-runtime/berth/internal/rawfile"
	"golang.org/x/sys/unix"
)

// What the raw stages must not carry into the container's namespaces, prepared here by
// the parent because raw code can neither allocate nor parse: the caller's other fds,
// its command line, and life after the caller's death.

// closeGaps lists, as (first, last) pairs, the fd ranges stage 1 closes: everything
// above stdio but keep. The last range ends at the largest fd number.
//
// CVE-2024-21626 class (leaked host fds) and "caller fds in init and hooks": no fd of
// the caller reaches a process in the container's namespaces unless it was asked for.
func closeGaps(keep []int) []uintptr {
	ks := append([]int(nil), keep...)
	sort.Ints(ks)
	var gaps []uintptr
	next := 3
	for _, k := range ks {
		if k < next {
			continue // stdio, or a duplicate
		}
		if k > next {
			gaps = append(gaps, uintptr(next), uintptr(k-1))
		}
		next = k + 1
	}
	return append(gaps, uintptr(next), math.MaxUint32)
}

// fdLimit bounds the close loop stage 1 falls back to on kernels without close_range
// (before 5.9): the hard RLIMIT_NOFILE, which no fd number reaches (Go raises the soft
// limit to it at start).
func fdLimit() uint {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Max > 1<<20 {
		return 1 << 20
	}
	return uint(rl.Max)
}

// argv0 is the first byte of the kernel's argv block once DetachArgs has given os.Args
// copies of their own; nil before.
var argv0 *byte

// DetachArgs gives os.Args copies of their own, away from the kernel's argv block. Go does
// not copy the arguments: os.Args, and every flag value cut from it, point into that
// block. Detached, the block may show "berth init" for a moment while the caller runs on
// (a stage 1 sharing its memory writes it there for the instant it forks the last
// stage: vmstage.go) without the caller's strings changing under it. Call it first in
// main, before anything keeps a string of os.Args.
func DetachArgs() {
	if argv0 != nil || len(os.Args) == 0 || len(os.Args[0]) == 0 {
		return
	}
	argv0 = unsafe.StringData(os.Args[0])
	args := make([]string, len(os.Args))
	for i, a := range os.Args {
		args[i] = strings.Clone(a)
	}
	os.Args = args
}

// procTitle returns the memory of this process's command line and what stage 1 writes
// over it, "berth\0init\0" padded with NULs to the same length. Stage 2 is a copy of the
// caller until it executes init, and anyone in the container's pid namespace can read
// its /proc/<pid>/cmdline: without this they would see the caller's --root, --log,
// --pid-file and bundle paths ("host details in the container's view"). Nil when the
// area cannot be found safely (os.Args changed, /proc unreadable): nothing is written.
var procTitle = sync.OnceValues(func() (area, title []byte) {
	start, end, ok := argArea()
	if !ok || len(os.Args) == 0 || len(os.Args[0]) == 0 {
		return nil, nil
	}
	// os.Args[0] points at the first byte of the kernel's argv block (Go does not copy
	// the arguments) unless DetachArgs kept that address, which must be where /proc
	// says the block starts.
	p := argv0
	if p == nil {
		p = unsafe.StringData(os.Args[0])
	}
	if uint64(uintptr(unsafe.Pointer(p))) != start || end <= start || end-start > 1<<20 {
		return nil, nil
	}
	area = unsafe.Slice(p, int(end-start))
	title = make([]byte, len(area))
	copy(title[:len(title)-1], "berth\x00init") // the last byte stays NUL: see proc(5) cmdline
	return area, title
})

// argArea reads arg_start and arg_end (fields 48 and 49) of /proc/self/stat.
func argArea() (start, end uint64, ok bool) {
	data, err := rawfile.ReadKernelFile("/proc/self/stat")
	if err != nil {
		return 0, 0, false
	}
	// Field 2, the command name, may hold spaces and parentheses: count after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := bytes.Fields(data[i+1:]) // fields[0] is field 3
	const argStart, argEnd = 48, 49
	if len(fields) < argEnd-2 {
		return 0, 0, false
	}
	s, err1 := strconv.ParseUint(string(fields[argStart-3]), 10, 64)
	e, err2 := strconv.ParseUint(string(fields[argEnd-3]), 10, 64)
	return s, e, err1 == nil && err2 == nil
}

// selfPidfd is a pidfd of the caller, for the last stage to check that the caller did
// not die before its parent-death signal was armed; -1 where pidfds are unsupported.
func selfPidfd() int {
	fd, err := unix.PidfdOpen(os.Getpid(), 0) // always close-on-exec
	if err != nil {
		return -1
	}
	return fd
}
