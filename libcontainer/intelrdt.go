package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth-runtime/berth/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// linux.intelRdt puts the container's tasks in a resctrl group (runtime-spec rules):
//   - no closID: a group named after the container, created and later removed by berth;
//   - closID "/": the default group, the resctrl root;
//   - closID with schemata: the group is created if missing, else its schemata must match;
//   - closID alone: the group must exist;
//   - enableMonitoring: a MON group mon_groups/<id> in that group, removed on delete.

// rdtGroup is where one container's tasks go.
type rdtGroup struct {
	ctrl string // the CTRL_MON group directory
	own  bool   // ctrl is the container's own group (no closID): berth creates and removes it
	mon  string // the MON group directory, or ""
}

func rdtGroupFor(root, id string, r *specs.LinuxIntelRdt) rdtGroup {
	g := rdtGroup{ctrl: filepath.Join(root, r.ClosID)}
	switch r.ClosID {
	case "":
		g.ctrl, g.own = filepath.Join(root, id), true
	case "/":
		g.ctrl = root
	}
	if r.EnableMonitoring {
		g.mon = filepath.Join(g.ctrl, "mon_groups", id)
	}
	return g
}

// rdtSchemaLines: l3CacheSchema first, memBwSchema, then schemata, as runtime-spec orders.
func rdtSchemaLines(r *specs.LinuxIntelRdt) []string {
	var lines []string
	for _, l := range append([]string{r.L3CacheSchema, r.MemBwSchema}, r.Schemata...) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// applyIntelRdt places pid (as the runtime sees it) in the container's resctrl group.
// Tasks forked later inherit it. On error nothing it made is left.
func applyIntelRdt(id string, r *specs.LinuxIntelRdt, pid int) error {
	if r == nil {
		return nil
	}
	root, err := specconv.ResctrlMount()
	if err == nil && root == "" {
		err = errors.New("no resctrl filesystem is mounted")
	}
	if err != nil {
		return fmt.Errorf("linux.intelRdt: %w", err)
	}
	if err := applyRdtGroup(rdtGroupFor(root, id, r), rdtSchemaLines(r), pid); err != nil {
		return fmt.Errorf("linux.intelRdt: %w", err)
	}
	return nil
}

func applyRdtGroup(g rdtGroup, schemas []string, pid int) (err error) {
	made := []string{}
	defer func() {
		if err != nil {
			for i := len(made) - 1; i >= 0; i-- {
				os.Remove(made[i])
			}
		}
	}()
	_, statErr := os.Stat(g.ctrl)
	exists := statErr == nil
	switch {
	case g.own && exists:
		return fmt.Errorf("resctrl group %s already exists", g.ctrl)
	case !g.own && !exists && len(schemas) == 0:
		return fmt.Errorf("closID: resctrl group %s does not exist (and no schemata to create it with)", g.ctrl)
	case !exists:
		if err := os.Mkdir(g.ctrl, 0o755); err != nil {
			return fmt.Errorf("create resctrl group: %w", err)
		}
		made = append(made, g.ctrl)
		for _, l := range schemas {
			if err := writeRdtFile(filepath.Join(g.ctrl, "schemata"), l); err != nil {
				return err
			}
		}
	case len(schemas) > 0:
		// A group berth did not make: it must already be what the config asks for.
		cur, err := os.ReadFile(filepath.Join(g.ctrl, "schemata"))
		if err != nil {
			return err
		}
		for _, l := range schemas {
			if !schemaHolds(string(cur), l) {
				return fmt.Errorf("resctrl group %s has schemata %q, which does not match %q", g.ctrl, strings.TrimSpace(string(cur)), l)
			}
		}
	}
	if err := writeRdtFile(filepath.Join(g.ctrl, "tasks"), strconv.Itoa(pid)); err != nil {
		return err
	}
	if g.mon != "" {
		if err := os.Mkdir(g.mon, 0o755); err != nil {
			return fmt.Errorf("create monitoring group: %w", err)
		}
		made = append(made, g.mon)
		// A task can join a MON group only from its parent CTRL_MON group: done above.
		if err := writeRdtFile(filepath.Join(g.mon, "tasks"), strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

func writeRdtFile(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		return fmt.Errorf("write %q to %s: %w", line, path, err)
	}
	return nil
}

// schemaHolds reports whether the schemata file text sets every domain of line
// ("L3:0=7f0;1=1f") to the same value. Cache bitmasks are hex, MB values decimal, and
// the kernel pads them, so values are compared as numbers.
func schemaHolds(file, line string) bool {
	res, want, ok := parseSchemaLine(line)
	if !ok {
		return false
	}
	for _, l := range strings.Split(file, "\n") {
		r, have, ok := parseSchemaLine(l)
		if !ok || r != res {
			continue
		}
		base := 16
		if strings.HasPrefix(res, "MB") {
			base = 10
		}
		for dom, v := range want {
			a, err1 := strconv.ParseUint(v, base, 64)
			b, err2 := strconv.ParseUint(have[dom], base, 64)
			if err1 != nil || err2 != nil || a != b {
				return false
			}
		}
		return true
	}
	return false
}

func parseSchemaLine(l string) (string, map[string]string, bool) {
	res, rest, ok := strings.Cut(strings.TrimSpace(l), ":")
	if !ok || res == "" {
		return "", nil, false
	}
	doms := map[string]string{}
	for _, d := range strings.Split(rest, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(d), "=")
		if !ok {
			return "", nil, false
		}
		doms[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return strings.TrimSpace(res), doms, true
}

// removeIntelRdt removes what applyIntelRdt made for the container: its MON group and
// its own CTRL_MON group, never a group named by closID.
func removeIntelRdt(id string, r *specs.LinuxIntelRdt) error {
	if r == nil {
		return nil
	}
	root, err := specconv.ResctrlMount()
	if err != nil || root == "" {
		return err // resctrl unmounted since: the groups went with it
	}
	g := rdtGroupFor(root, id, r)
	var errs []error
	if g.mon != "" {
		if err := os.Remove(g.mon); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	if g.own {
		if err := os.Remove(g.ctrl); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("linux.intelRdt: remove resctrl groups: %w", err)
	}
	return nil
}
