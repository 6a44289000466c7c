package libcontainer

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// checkJoinedUserMaps compares the uid and gid maps a config gives next to a user
// namespace path with the namespace's own, read from a process already in it (stage 1,
// waiting at its barrier). Equal maps are only redundant, as runc treats them; different
// ones would describe a container other than the one that runs, so create stops.
func checkJoinedUserMaps(cfg *configs.Config, pid int) error {
	path := cfg.NamespacePath(configs.NEWUSER)
	if path == "" || (len(cfg.UIDMappings) == 0 && len(cfg.GIDMappings) == 0) {
		return nil
	}
	for _, m := range []struct {
		field, file string
		want        []configs.IDMap
	}{
		{"linux.uidMappings", "uid_map", cfg.UIDMappings},
		{"linux.gidMappings", "gid_map", cfg.GIDMappings},
	} {
		if len(m.want) == 0 {
			continue
		}
		p := fmt.Sprintf("/proc/%d/%s", pid, m.file)
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("%s: read the joined user namespace's maps: %w", m.field, err)
		}
		have, err := configs.ParseIDMap(string(data))
		if err != nil {
			return fmt.Errorf("%s: %s: %w", m.field, p, err)
		}
		if !sameIDMaps(have, m.want) {
			return fmt.Errorf("%s %s differ from the maps of the user namespace it joins (%s): %s",
				m.field, formatIDMaps(m.want), path, formatIDMaps(have))
		}
	}
	fmt.Fprintf(os.Stderr, "berth: warning: config.json gives both a user namespace to join (%s) and its uid/gid maps; they match the namespace's, so they change nothing and may be removed\n", path)
	return nil
}

// sameIDMaps: the same extents in any order (the kernel sorts maps of more than five).
func sameIDMaps(a, b []configs.IDMap) bool {
	key := func(m configs.IDMap) string { return fmt.Sprint(m.ContainerID, m.HostID, m.Size) }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i] = key(a[i])
	}
	for i := range b {
		kb[i] = key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

func formatIDMaps(maps []configs.IDMap) string {
	parts := make([]string, len(maps))
	for i, m := range maps {
		parts[i] = fmt.Sprintf("%d:%d:%d", m.ContainerID, m.HostID, m.Size)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
