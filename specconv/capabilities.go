package specconv

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/configs"
)

// convertCapabilities turns names into numbers. An absent object stays nil: the process
// then keeps no capabilities at all. A name berth does not know, or one the running
// kernel lacks, is skipped with a warning, as runc (>= 1.2) does: profiles written for
// newer kernels still run.
func convertCapabilities(c *specs.LinuxCapabilities) (*configs.Capabilities, error) {
	if c == nil {
		return nil, nil
	}
	out := &configs.Capabilities{}
	sets := []struct {
		name string
		in   []string
		out  *[]int
	}{
		{"bounding", c.Bounding, &out.Bounding},
		{"effective", c.Effective, &out.Effective},
		{"inheritable", c.Inheritable, &out.Inheritable},
		{"permitted", c.Permitted, &out.Permitted},
		{"ambient", c.Ambient, &out.Ambient},
	}
	var skipped []string
	last := caps.Last()
	for _, set := range sets {
		seen := map[int]bool{}
		for i, name := range set.in {
			n, err := caps.Parse(name)
			if err != nil || n > last {
				skipped = append(skipped, fmt.Sprintf("%s (%s[%d])", name, set.name, i))
				continue
			}
			if !seen[n] { // a name listed twice is harmless; keep it once
				seen[n] = true
				*set.out = append(*set.out, n)
			}
		}
	}
	if len(skipped) > 0 {
		Warn(configs.FieldErrorf("process.capabilities", "ignoring unknown or unavailable capabilities: %s", strings.Join(skipped, ", ")))
	}
	return out, nil
}
