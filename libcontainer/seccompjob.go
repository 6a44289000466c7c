package libcontainer

import (
	"path/filepath"

	"github.com/berth-runtime/berth/libcontainer/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// seccompJob compiles a profile in the background, in the parent, while the container
// is being set up: init is only sent the finished program (see seccomp.Program).
type seccompJob struct {
	done chan struct{}
	prog *seccomp.Program
	err  error
}

// compileSeccomp starts compiling profile (nil: nothing to do), using the program
// cache under the store's root.
func (s Store) compileSeccomp(profile *specs.LinuxSeccomp) *seccompJob {
	j := &seccompJob{done: make(chan struct{})}
	if profile == nil {
		close(j.done)
		return j
	}
	go func() {
		defer close(j.done)
		f, err := seccomp.CompileCached(profile, filepath.Join(s.Root, seccompCacheDir))
		if err != nil {
			j.err = err
			return
		}
		j.prog = f.Program()
	}()
	return j
}

// wait returns the compiled program (nil without a profile).
func (j *seccompJob) wait() (*seccomp.Program, error) {
	<-j.done
	return j.prog, j.err
}

// seccompCacheDir holds compiled programs under --root; container ids cannot start
// with a dot, so it never collides with a container's directory.
const seccompCacheDir = ".seccomp-cache"
