package nsenter

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/berth-runtime/berth/internal/timerslack"
)

// FormatIDMap renders mappings in the kernel's uid_map/gid_map format.
func FormatIDMap(m []IDMap) string {
	var b strings.Builder
	for _, e := range m {
		fmt.Fprintf(&b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
	}
	return b.String()
}

// writeIDMaps writes gid_map then uid_map of pid.
//
// root writes both files itself. An unprivileged caller may write them itself only
// to map its own uid and gid, one id each, and only after writing "deny" to setgroups
// (the kernel's rule, so a user cannot drop groups it was put in to lose access).
// Any other mapping needs the setuid helpers newuidmap/newgidmap, which check
// /etc/subuid and /etc/subgid.
func writeIDMaps(pid int, uids, gids []IDMap) error {
	euid, egid := os.Geteuid(), os.Getegid()
	if euid == 0 {
		if err := writeMap(pid, "gid_map", gids); err != nil {
			return err
		}
		return writeMap(pid, "uid_map", uids)
	}
	if selfOnly(gids, egid) {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/setgroups", pid), []byte("deny"), 0); err != nil {
			return fmt.Errorf("write setgroups: %w", err)
		}
		if err := writeMap(pid, "gid_map", gids); err != nil {
			return err
		}
	} else if err := mapHelper("newgidmap", pid, gids); err != nil {
		return err
	}
	if selfOnly(uids, euid) {
		return writeMap(pid, "uid_map", uids)
	}
	return mapHelper("newuidmap", pid, uids)
}

// selfOnly: the mapping is empty or maps exactly one id, the caller's own.
func selfOnly(m []IDMap, id int) bool {
	return len(m) == 0 || (len(m) == 1 && m[0].Size == 1 && int(m[0].HostID) == id)
}

func writeMap(pid int, name string, m []IDMap) error {
	if len(m) == 0 {
		return nil
	}
	path := fmt.Sprintf("/proc/%d/%s", pid, name)
	// The kernel takes a map in one write.
	if err := os.WriteFile(path, []byte(FormatIDMap(m)), 0); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// mapHelper runs newuidmap/newgidmap PID ID HOSTID SIZE...
func mapHelper(tool string, pid int, m []IDMap) error {
	path, err := exec.LookPath(tool)
	if err != nil {
		return fmt.Errorf("mapping ranges of ids needs %s (package uidmap) and entries in /etc/sub%sid: %w",
			tool, strings.TrimSuffix(strings.TrimPrefix(tool, "new"), "map"), err)
	}
	args := []string{strconv.Itoa(pid)}
	for _, e := range m {
		args = append(args, strconv.Itoa(int(e.ContainerID)), strconv.Itoa(int(e.HostID)), strconv.Itoa(int(e.Size)))
	}
	var out []byte
	err = timerslack.Do(func() (err error) {
		out, err = exec.Command(path, args...).CombinedOutput()
		return err
	})
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if msg == "" {
			msg = err.Error()
		}
		return errors.New(tool + ": " + msg)
	}
	return nil
}
