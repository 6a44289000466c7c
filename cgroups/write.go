package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cgDir writes and reads the control files of one cgroup directory. Every error names the config
// field that asked for the write, so a user can tell which part of linux.resources the host refused.
type cgDir struct {
	fs  fsOps
	dir string
}

// write writes value to file. A missing file means this kernel (or this hierarchy) lacks the
// feature: that is reported as such rather than as a bare ENOENT.
func (d cgDir) write(field, file, value string) error {
	p := filepath.Join(d.dir, file)
	if err := d.fs.WriteFile(p, []byte(value)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &missingFileError{fmt.Sprintf("%s: this host's cgroup has no %s (kernel feature missing or controller not enabled for %s)", field, file, d.dir)}
		}
		return fmt.Errorf("%s: write %q to %s: %w", field, value, p, err)
	}
	return nil
}

// read returns a control file's content without surrounding white space.
func (d cgDir) read(file string) (string, error) {
	p := filepath.Join(d.dir, file)
	b, err := d.fs.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// readUint reads a file holding one unsigned number; "max" (v2) reads as 0, meaning no limit.
func (d cgDir) readUint(file string) (uint64, error) {
	s, err := d.read(file)
	if err != nil {
		return 0, err
	}
	return parseUintOrMax(s, filepath.Join(d.dir, file))
}

func parseUintOrMax(s, where string) (uint64, error) {
	if s == "max" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// v1 reports "unlimited" as a huge signed number; negative values only come from -1 writes.
		if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("parse %s: %q is not a number", where, s)
	}
	return v, nil
}

// readKeyed parses "key value" lines (memory.stat, cpu.stat, memory.events ...).
func (d cgDir) readKeyed(file string) (map[string]uint64, error) {
	s, err := d.read(file)
	if err != nil {
		return nil, err
	}
	return parseKeyed(s), nil
}

func parseKeyed(s string) map[string]uint64 {
	out := map[string]uint64{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
			out[f[0]] = v
		}
	}
	return out
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }
func i64(v int64) string  { return strconv.FormatInt(v, 10) }

// writeCpuset writes the cpus and mems asked for; the files are named alike in v1's
// cpuset hierarchy and in v2.
func writeCpuset(c cgDir, cpu *specs.LinuxCPU) error {
	if cpu.Cpus != "" {
		if err := c.write("linux.resources.cpu.cpus", "cpuset.cpus", cpu.Cpus); err != nil {
			return err
		}
	}
	if cpu.Mems != "" {
		if err := c.write("linux.resources.cpu.mems", "cpuset.mems", cpu.Mems); err != nil {
			return err
		}
	}
	return nil
}
