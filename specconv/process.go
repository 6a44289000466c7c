package specconv

import (
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// oom_score_adj accepts exactly this range.
const (
	minOOMScoreAdj = -1000
	maxOOMScoreAdj = 1000
)

func convertProcess(p *specs.Process) (configs.Process, error) {
	var out configs.Process
	if p == nil {
		return out, configs.FieldErrorf("process", "missing: config.json must say what to run")
	}
	if len(p.Args) == 0 {
		return out, configs.FieldErrorf("process.args", "must not be empty")
	}
	for i, a := range p.Args {
		// execve takes C strings: a NUL would silently cut the argument short.
		if strings.IndexByte(a, 0) >= 0 {
			return out, configs.FieldErrorf(configs.Index("process.args", i), "contains a NUL byte")
		}
	}
	if p.Args[0] == "" {
		return out, configs.FieldErrorf("process.args[0]", "must name the program to run")
	}
	if err := checkEnv("process.env", p.Env); err != nil {
		return out, err
	}
	switch {
	case p.Cwd == "":
		return out, configs.FieldErrorf("process.cwd", "missing (use \"/\" for the container root)")
	case !filepath.IsAbs(p.Cwd):
		return out, configs.FieldErrorf("process.cwd", "%q is not an absolute path", p.Cwd)
	case strings.IndexByte(p.Cwd, 0) >= 0:
		return out, configs.FieldErrorf("process.cwd", "contains a NUL byte")
	}
	if err := CheckUser(p.User.UID, p.User.GID, p.User.AdditionalGids); err != nil {
		return out, err
	}
	if p.User.Umask != nil && *p.User.Umask > 0o777 {
		return out, configs.FieldErrorf("process.user.umask", "%#o is not a permission mask (at most 0777)", *p.User.Umask)
	}
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < minOOMScoreAdj || *p.OOMScoreAdj > maxOOMScoreAdj) {
		return out, configs.FieldErrorf("process.oomScoreAdj", "%d is outside [%d, %d]", *p.OOMScoreAdj, minOOMScoreAdj, maxOOMScoreAdj)
	}
	caps, err := convertCapabilities(p.Capabilities)
	if err != nil {
		return out, err
	}
	rlimits, err := convertRlimits(p.Rlimits)
	if err != nil {
		return out, err
	}
	out = configs.Process{
		Args:            append([]string(nil), p.Args...),
		Env:             append([]string(nil), p.Env...),
		Cwd:             filepath.Clean(p.Cwd),
		UID:             p.User.UID,
		GID:             p.User.GID,
		AdditionalGids:  append([]uint32(nil), p.User.AdditionalGids...),
		Umask:           copyPtr(p.User.Umask),
		Capabilities:    caps,
		NoNewPrivileges: p.NoNewPrivileges,
		Rlimits:         rlimits,
		OOMScoreAdj:     copyPtr(p.OOMScoreAdj),
		Terminal:        p.Terminal,
	}
	if err := convertProcessExtras(p, &out); err != nil {
		return out, err
	}
	if p.ConsoleSize != nil {
		if p.ConsoleSize.Height > 0xffff || p.ConsoleSize.Width > 0xffff {
			return out, configs.FieldErrorf("process.consoleSize", "%dx%d is larger than a terminal can be", p.ConsoleSize.Width, p.ConsoleSize.Height)
		}
		out.ConsoleHeight, out.ConsoleWidth = uint16(p.ConsoleSize.Height), uint16(p.ConsoleSize.Width)
	}
	return out, nil
}

// checkEnv requires KEY=value entries: execve would pass anything, but a variable with
// no '=' or an empty name is invisible to getenv and almost always a typo.
func checkEnv(field string, env []string) error {
	for i, e := range env {
		k, _, ok := strings.Cut(e, "=")
		switch {
		case !ok:
			return configs.FieldErrorf(configs.Index(field, i), "%q is not of the form KEY=value", e)
		case k == "":
			return configs.FieldErrorf(configs.Index(field, i), "%q has an empty name", e)
		case strings.IndexByte(e, 0) >= 0:
			return configs.FieldErrorf(configs.Index(field, i), "contains a NUL byte")
		}
	}
	return nil
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
