package configs

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseIDMap reads /proc/PID/{uid,gid}_map: "inside outside count" per line.
func ParseIDMap(s string) ([]IDMap, error) {
	var out []IDMap
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("malformed line %q", line)
		}
		var n [3]uint32
		for i := range f {
			v, err := strconv.ParseUint(f[i], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("malformed line %q", line)
			}
			n[i] = uint32(v)
		}
		out = append(out, IDMap{ContainerID: n[0], HostID: n[1], Size: n[2]})
	}
	return out, nil
}

// HostID is the host id that id of the container maps to through maps (a uid_map or
// gid_map), and whether it is mapped at all.
func HostID(maps []IDMap, id uint32) (uint32, bool) {
	for _, m := range maps {
		if id >= m.ContainerID && id-m.ContainerID < m.Size {
			return m.HostID + (id - m.ContainerID), true
		}
	}
	return 0, false
}
