package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/berth-runtime/berth/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v3"
)

var updateCommand = &cli.Command{
	Name:      "update",
	Usage:     "change the resource limits of a created, running or paused container",
	ArgsUsage: "<container-id>",
	Description: `With -r/--resources FILE (- for stdin) the limits come from a linux.resources JSON
object and the other flags are ignored, as with runc. Otherwise each flag sets one limit.
Memory sizes take k, m, g suffixes (binary); -1 means unlimited.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "resources", Aliases: []string{"r"}, Usage: "linux.resources JSON `FILE` (- for stdin)"},
		&cli.StringFlag{Name: "blkio-weight", Usage: "block I/O weight, 10 to 1000"},
		&cli.StringFlag{Name: "cpu-period", Usage: "CFS period (µs)"},
		&cli.StringFlag{Name: "cpu-quota", Usage: "CFS quota (µs) per period; -1 unlimited"},
		&cli.StringFlag{Name: "cpu-burst", Usage: "CFS burst (µs)"},
		&cli.StringFlag{Name: "cpu-share", Aliases: []string{"cpu-shares"}, Usage: "CPU shares (relative weight)"},
		&cli.StringFlag{Name: "cpu-rt-period", Usage: "realtime period (µs)"},
		&cli.StringFlag{Name: "cpu-rt-runtime", Usage: "realtime runtime (µs)"},
		&cli.StringFlag{Name: "cpu-idle", Usage: "1: the cgroup's tasks run as SCHED_IDLE"},
		&cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs to run on (e.g. 0-2,4)"},
		&cli.StringFlag{Name: "cpuset-mems", Usage: "memory nodes to use"},
		&cli.StringFlag{Name: "memory", Usage: "memory limit"},
		&cli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit"},
		&cli.StringFlag{Name: "memory-swap", Usage: "memory plus swap limit"},
		&cli.StringFlag{Name: "kernel-memory", Usage: "ignored (kernel memory limits are obsolete), as with runc"},
		&cli.StringFlag{Name: "kernel-memory-tcp", Usage: "kernel TCP buffer limit (cgroup v1)"},
		&cli.StringFlag{Name: "pids-limit", Usage: "maximum number of tasks; -1 unlimited (0 is a limit: no new task)"},
		&cli.StringFlag{Name: "l3-cache-schema", Usage: "Intel RDT/CAT: the L3 cache schema line of the container's resctrl group (L3:0=ff)"},
		&cli.StringFlag{Name: "mem-bw-schema", Usage: "Intel RDT/MBA: the memory bandwidth schema line of the container's resctrl group (MB:0=70)"},
	},
	Action: func(_ context.Context, c *cli.Command) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		r, err := updateRequest(c)
		if err != nil {
			return err
		}
		// As with runc, the schemas apply with -r too.
		rdt := libcontainer.RdtSchemas{L3Cache: c.String("l3-cache-schema"), MemBw: c.String("mem-bw-schema")}
		return store(c).Update(id, r, rdt)
	},
}

// updateRequest builds the requested limits from -r or from the flags.
func updateRequest(c *cli.Command) (*specs.LinuxResources, error) {
	if file := c.String("resources"); file != "" {
		return readResources(file)
	}
	r := &specs.LinuxResources{}
	var err error
	num := func(flag string, parse func(string) error) {
		if err == nil && c.IsSet(flag) {
			if perr := parse(c.String(flag)); perr != nil {
				err = fmt.Errorf("update --%s %q: %w", flag, c.String(flag), perr)
			}
		}
	}
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}
	num("blkio-weight", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 16)
		w := uint16(v)
		r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
		return err
	})
	num("cpu-period", func(s string) (e error) { cpu().Period, e = parseU64(s); return })
	num("cpu-quota", func(s string) (e error) { cpu().Quota, e = parseI64(s); return })
	num("cpu-burst", func(s string) (e error) { cpu().Burst, e = parseU64(s); return })
	num("cpu-share", func(s string) (e error) { cpu().Shares, e = parseU64(s); return })
	num("cpu-rt-period", func(s string) (e error) { cpu().RealtimePeriod, e = parseU64(s); return })
	num("cpu-rt-runtime", func(s string) (e error) { cpu().RealtimeRuntime, e = parseI64(s); return })
	num("cpu-idle", func(s string) (e error) { cpu().Idle, e = parseI64(s); return })
	num("cpuset-cpus", func(s string) error { cpu().Cpus = s; return nil })
	num("cpuset-mems", func(s string) error { cpu().Mems = s; return nil })
	num("memory", func(s string) (e error) { mem().Limit, e = parseRAM(s); return })
	num("memory-reservation", func(s string) (e error) { mem().Reservation, e = parseRAM(s); return })
	num("memory-swap", func(s string) (e error) { mem().Swap, e = parseRAM(s); return })
	num("kernel-memory-tcp", func(s string) (e error) { mem().KernelTCP, e = parseRAM(s); return })
	num("pids-limit", func(s string) error {
		// 0 is a limit, as in runtime-spec and runc 1.4+ (older runc read it as no limit).
		v, err := strconv.ParseInt(s, 10, 64)
		r.Pids = &specs.LinuxPids{Limit: &v}
		return err
	})
	if c.IsSet("kernel-memory") {
		warn(fmt.Errorf("update: --kernel-memory is ignored: kernel memory limits are obsolete"))
	}
	return r, err
}

// readResources decodes a linux.resources object from file, or stdin for "-" (docker's way).
func readResources(file string) (*specs.LinuxResources, error) {
	var in io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("update --resources: %w", err)
		}
		defer f.Close()
		in = f
	}
	var r specs.LinuxResources
	dec := json.NewDecoder(in)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("update --resources %s: not a linux.resources JSON object: %w", file, err)
	}
	return &r, nil
}

func parseU64(s string) (*uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	return &v, err
}

func parseI64(s string) (*int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	return &v, err
}

// parseRAM reads a byte size: a number with an optional binary suffix (k, m, g, t, p; an extra
// "b" and any case accepted, as docker's units do), or -1 for unlimited.
func parseRAM(s string) (*int64, error) {
	if s == "-1" {
		v := int64(-1)
		return &v, nil
	}
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "b")
	mult := int64(1)
	if n := len(t); n > 0 {
		if i := strings.IndexByte("kmgtp", t[n-1]); i >= 0 {
			mult = int64(1) << (10 * (i + 1))
			t = t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return nil, fmt.Errorf("not a size (like 512m or 1g)")
	}
	v := int64(f * float64(mult))
	return &v, nil
}
