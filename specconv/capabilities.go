package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/configs"
)

// convertCapabilities turns names into numbers. An absent object stays nil: the process
// then keeps no capabilities at all.
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
	for _, set := range sets {
		seen := map[int]bool{}
		for i, name := range set.in {
			n, err := caps.Parse(name)
			if err != nil {
				return nil, fieldErrorf(index("process.capabilities."+set.name, i), "%w", err)
			}
			if !seen[n] { // a name listed twice is harmless; keep it once
				seen[n] = true
				*set.out = append(*set.out, n)
			}
		}
	}
	return out, nil
}
