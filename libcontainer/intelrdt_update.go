package libcontainer

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/berth-runtime/berth/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RdtSchemas are `update --l3-cache-schema / --mem-bw-schema`: new lines for the
// container's resctrl group; an empty one is left as it is.
type RdtSchemas struct {
	L3Cache, MemBw string
}

func (u RdtSchemas) empty() bool { return u.L3Cache == "" && u.MemBw == "" }

// checkRdtHost refuses schemas the host cannot take, in runc's words: CAT (L3 cache
// allocation) and MBA (memory bandwidth allocation) each need the resctrl filesystem
// mounted and the kernel to list the resource under info/ (root is the mount, "" when
// there is none).
func checkRdtHost(u RdtSchemas, root string) error {
	has := func(res string) bool {
		if root == "" {
			return false
		}
		fi, err := os.Stat(filepath.Join(root, "info", res))
		return err == nil && fi.IsDir()
	}
	if u.L3Cache != "" && !has("L3") {
		return errors.New("Intel RDT/CAT: l3 cache schema is not enabled")
	}
	if u.MemBw != "" && !has("MB") {
		return errors.New("Intel RDT/MBA: memory bandwidth schema is not enabled")
	}
	return nil
}

// checkRdtConfig: only a container created with linux.intelRdt has a group to change
// (runc ≥ 1.4 refuses the rest the same way: a group made by update would hold only
// init, not its children, and would outlive the container).
func checkRdtConfig(r *specs.LinuxIntelRdt) error {
	if r == nil {
		return errors.New("updating a non-existent Intel RDT configuration is not supported")
	}
	return nil
}

// updateRdtGroup writes the new lines to the container's group under root and returns
// the container's linux.intelRdt with them, to be saved.
func updateRdtGroup(root, id string, r *specs.LinuxIntelRdt, u RdtSchemas) (*specs.LinuxIntelRdt, error) {
	g := rdtGroupFor(root, id, r)
	out := *r
	for _, l := range []struct {
		line string
		dst  *string
	}{{u.L3Cache, &out.L3CacheSchema}, {u.MemBw, &out.MemBwSchema}} {
		if l.line == "" {
			continue
		}
		if err := writeRdtFile(filepath.Join(g.ctrl, "schemata"), l.line); err != nil {
			return nil, err
		}
		*l.dst = l.line
	}
	return &out, nil
}

// resctrlRoot is the resctrl mount, "" when there is none.
func resctrlRoot() (string, error) { return specconv.ResctrlMount() }
