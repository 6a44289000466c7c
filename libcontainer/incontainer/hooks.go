package incontainer

import (
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/hooks"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runStartContainerHooks runs the startContainer hooks in init, right before the exec:
// inside the container (after pivot_root) with the status still "created", as runc
// does. A hook without an env of its own gets the process's environment. With
// noNewPrivileges the seccomp filter goes in first, as with runc: a hook must not run
// unconfined what the process itself may not do. (Without it the filter is loaded
// before the user switch already, see prepareProcess.)
func (up *userProcess) runStartContainerHooks(cfg *configs.Config, state specs.State) error {
	list := hooks.List(cfg.Hooks, "startContainer")
	if len(list) == 0 {
		return nil
	}
	if up.filter != nil && cfg.Process.NoNewPrivileges {
		if err := up.loadSeccomp(); err != nil {
			return err
		}
	}
	return hooks.RunIn(hooks.Env{Env: up.env}, "startContainer", list, state)
}
