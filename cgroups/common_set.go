package cgroups

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// missingFileError marks a write to a control file the kernel does not provide.
type missingFileError struct{ msg string }

func (e *missingFileError) Error() string { return e.msg }

func isMissingFile(err error) bool {
	var m *missingFileError
	return errors.As(err, &m)
}

// checkPageSize refuses a hugepage size the kernel does not offer, naming the sizes it does.
func checkPageSize(f fsOps, field, size string) error {
	sizes, err := hugePageSizes(f)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	for _, s := range sizes {
		if s == size {
			return nil
		}
	}
	return fmt.Errorf("%s.pageSize: %q is not a huge page size of this host (have %s)", field, size, strings.Join(sizes, ", "))
}

// hugePageSizes lists the sizes as cgroup file names spell them ("2MB", "1GB"), from
// /sys/kernel/mm/hugepages/hugepages-<N>kB.
func hugePageSizes(f fsOps) ([]string, error) {
	names, err := f.SubDirs("/sys/kernel/mm/hugepages")
	if err != nil {
		return nil, fmt.Errorf("list huge page sizes: %w", err)
	}
	var out []string
	for _, n := range names {
		var kb uint64
		if _, err := fmt.Sscanf(n, "hugepages-%dkB", &kb); err != nil {
			continue
		}
		out = append(out, pageSizeName(kb*1024))
	}
	sort.Strings(out)
	return out, nil
}

// pageSizeName spells a size the kernel's way: the largest unit that divides it (KB, MB, GB).
func pageSizeName(bytes uint64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	i := 0
	for bytes >= 1024 && bytes%1024 == 0 && i < len(units)-1 {
		bytes /= 1024
		i++
	}
	return u64(bytes) + units[i]
}

type rdmaLine struct{ dev, value string }

// rdmaLines are the rdma.max lines, one per device in a stable order; an unset count is "max".
func rdmaLines(m map[string]specs.LinuxRdma) []rdmaLine {
	devs := make([]string, 0, len(m))
	for d := range m {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	var out []rdmaLine
	for _, dev := range devs {
		l := m[dev]
		h, o := "max", "max"
		if l.HcaHandles != nil {
			h = u64(uint64(*l.HcaHandles))
		}
		if l.HcaObjects != nil {
			o = u64(uint64(*l.HcaObjects))
		}
		out = append(out, rdmaLine{dev: dev, value: dev + " hca_handle=" + h + " hca_object=" + o})
	}
	return out
}

// blkioDev spells a device as the kernel's blkio/io files do.
func blkioDev(d specs.LinuxBlockIODevice) string {
	return i64(d.Major) + ":" + i64(d.Minor)
}

// deviceRule spells a device cgroup rule as devices.allow/deny take it: "c 1:3 rwm".
func deviceRule(r specs.LinuxDeviceCgroup) string {
	t := r.Type
	if t == "" {
		t = "a"
	}
	num := func(p *int64) string {
		if p == nil || *p < 0 {
			return "*"
		}
		return i64(*p)
	}
	access := r.Access
	if access == "" {
		access = "rwm"
	}
	return t + " " + num(r.Major) + ":" + num(r.Minor) + " " + access
}
