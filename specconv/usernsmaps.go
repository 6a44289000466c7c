package specconv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// An idmapped mount without mappings of its own takes the container's user namespace
// mappings. When that namespace is joined (linux.namespaces[].path), config.json has
// none: they are read, as runc does, from the namespace itself. The kernel shows a
// user namespace's maps only through a process in it (/proc/PID/uid_map, relative to
// the reader's namespace: berth's, so host ids), so berth finds one: the PID of a
// /proc/PID/ns/user path, or any process whose ns/user is the same file.

// IDMaps returns the uid and gid maps of the user namespace at path.
func (hostNSFS) IDMaps(path string) (uid, gid []configs.IDMap, err error) {
	var want unix.Stat_t
	if err := unix.Stat(path, &want); err != nil {
		return nil, nil, err
	}
	proc, err := processInUserNS(path, want, "/proc")
	if err != nil {
		return nil, nil, err
	}
	if uid, err = readIDMapFile(filepath.Join(proc, "uid_map")); err != nil {
		return nil, nil, err
	}
	if gid, err = readIDMapFile(filepath.Join(proc, "gid_map")); err != nil {
		return nil, nil, err
	}
	return uid, gid, nil
}

// processInUserNS returns the /proc directory of a process in the user namespace whose
// nsfs file is ns (path names it): the one a /proc/PID/ns/user path names, else the
// first process found in it.
func processInUserNS(path string, ns unix.Stat_t, procRoot string) (string, error) {
	same := func(dir string) bool {
		var st unix.Stat_t
		return unix.Stat(filepath.Join(dir, "ns", "user"), &st) == nil && st.Dev == ns.Dev && st.Ino == ns.Ino
	}
	if dir, ok := strings.CutSuffix(filepath.Clean(path), "/ns/user"); ok && strings.HasPrefix(dir, procRoot+"/") && same(dir) {
		return dir, nil
	}
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if dir := filepath.Join(procRoot, e.Name()); same(dir) {
			return dir, nil
		}
	}
	return "", errors.New("no process runs in that user namespace, so its mappings cannot be read")
}

func readIDMapFile(path string) ([]configs.IDMap, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	maps, err := configs.ParseIDMap(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return maps, nil
}
