package specconv

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-runtime/berth/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// convertHooks checks every hook and returns a copy (hooks run as written).
func convertHooks(h *specs.Hooks) (*specs.Hooks, error) {
	if h == nil {
		return nil, nil
	}
	kinds := []struct {
		name string
		list []specs.Hook
		// inContainer: the path resolves in the container's mount namespace, which does
		// not exist yet, so only its form can be checked.
		inContainer bool
	}{
		{"prestart", h.Prestart, false},
		{"createRuntime", h.CreateRuntime, false},
		{"createContainer", h.CreateContainer, false},
		{"startContainer", h.StartContainer, true},
		{"poststart", h.Poststart, false},
		{"poststop", h.Poststop, false},
	}
	for _, k := range kinds {
		for i, hook := range k.list {
			if err := checkHook(configs.Index("hooks."+k.name, i), hook, k.inContainer); err != nil {
				return nil, err
			}
		}
	}
	var out specs.Hooks
	if err := cloneJSON(h, &out); err != nil {
		return nil, fmt.Errorf("hooks: %w", err)
	}
	return &out, nil
}

func checkHook(field string, h specs.Hook, inContainer bool) error {
	if h.Path == "" {
		return configs.FieldErrorf(field+".path", "missing")
	}
	if !filepath.IsAbs(h.Path) {
		return configs.FieldErrorf(field+".path", "%q is not an absolute path", h.Path)
	}
	if !inContainer {
		fi, err := os.Stat(h.Path)
		if err != nil {
			return configs.FieldErrorf(field+".path", "%w", err)
		}
		if !fi.Mode().IsRegular() {
			return configs.FieldErrorf(field+".path", "%s is not a regular file", h.Path)
		}
		if fi.Mode().Perm()&0o111 == 0 {
			return configs.FieldErrorf(field+".path", "%s is not executable", h.Path)
		}
	}
	if h.Timeout != nil && *h.Timeout <= 0 {
		return configs.FieldErrorf(field+".timeout", "must be greater than zero, got %d", *h.Timeout)
	}
	return checkEnv(field+".env", h.Env)
}
