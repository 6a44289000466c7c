// Package hooks runs runtime-spec hooks with the container's state on stdin. The parent
// runs prestart, createRuntime, poststart and poststop on the host; init runs
// createContainer and startContainer inside the container (libcontainer/incontainer).
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/berth-runtime/berth/internal/timerslack"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Run runs the runtime's hooks (prestart, createRuntime, poststart, poststop) in order
// with the state on stdin. kind names the hook list in errors ("hooks.prestart[1]"). For
// the hooks whose failure fails the operation, the first failure stops them; poststop
// failures are only warnings, and runtime-spec says the remaining hooks still run: all
// their errors are returned.
//
// They run in the bundle's directory, as runc's do (runc changes to it before it creates
// or runs a container, and a hook may read config.json there), or in berth's own when
// the bundle is no longer a directory (a poststop after it was removed).
func Run(kind string, hooks []specs.Hook, state specs.State) error {
	if len(hooks) == 0 {
		return nil
	}
	var he Env
	if fi, err := os.Stat(state.Bundle); err == nil && fi.IsDir() {
		he.Dir = state.Bundle
	}
	return RunIn(he, kind, hooks, state)
}

// Env is where hooks run when not simply in berth's own directory and environment.
type Env struct {
	// Dir is the working directory ("": berth's).
	Dir string
	// Env is the environment of a hook that has no env of its own (nil: berth's).
	Env []string
}

// RunIn is Run in the given directory and default environment.
func RunIn(he Env, kind string, hooks []specs.Hook, state specs.State) error {
	if len(hooks) == 0 {
		return nil
	}
	data, err := json.Marshal(state)
	if err != nil {
		return err
	}
	// runtime-spec 1.3 (and runc 1.5): a failed poststart hook is an error that stops
	// the container; only poststop failures are warnings.
	warnOnly := kind == "poststop"
	var errs []error
	for i, h := range hooks {
		sp := stagelog.Begin("hook "+kind, h.Path)
		if err := sp.End(runHook(he, h, data)); err != nil {
			err = fmt.Errorf("hooks.%s[%d] (%s): %w", kind, i, h.Path, err)
			if !warnOnly {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func runHook(he Env, h specs.Hook, stdin []byte) error {
	ctx := context.Background()
	if h.Timeout != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, h.Path)
	// args[0] is the hook's argv[0] as written, which may differ from its path.
	if len(h.Args) > 0 {
		cmd.Args = h.Args
	} else {
		cmd.Args = []string{h.Path}
	}
	cmd.Env = h.Env
	if h.Env == nil && he.Env != nil {
		cmd.Env = he.Env
	}
	cmd.Dir = he.Dir
	cmd.Stdin = bytes.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Don't wait for grandchildren holding the output pipe after a timeout kill.
	cmd.WaitDelay = time.Second
	err := timerslack.Do(cmd.Run)
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timed out after %ds", *h.Timeout)
	}
	if err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}

// List picks one kind of hook from a possibly nil Hooks.
func List(h *specs.Hooks, kind string) []specs.Hook {
	if h == nil {
		return nil
	}
	switch kind {
	case "prestart":
		return h.Prestart //nolint:staticcheck // deprecated by the spec but still honoured
	case "createRuntime":
		return h.CreateRuntime
	case "createContainer":
		return h.CreateContainer
	case "startContainer":
		return h.StartContainer
	case "poststart":
		return h.Poststart
	case "poststop":
		return h.Poststop
	}
	return nil
}
