package libcontainer

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/hooks"
	"github.com/berth-runtime/berth/libcontainer/incontainer"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/nsenter"
	"github.com/berth-runtime/berth/rootfs"
)

// NoPlanEnv, set to 1, makes every create and exec run `berth init` (the tests run the security
// suites both ways with it).
const NoPlanEnv = "BERTH_NO_PLAN"

// planPath tells whether a create can take the one-runtime path (nsenter's plan mode,
// createplan.go): the container's first process sets itself up with raw system calls,
// then executes a sealed exec program that waits for `berth start` and executes the user
// process, and the runtime builds the rootfs from one of its threads, so no second Go
// runtime (`berth init`) starts. It is the path of the common container, for `create`
// and `run` alike: root, new mount and pid namespaces, a new user namespace or none
// (planuserns.go), a terminal only on a devpts at /dev/pts. What it cannot do, or must
// not (see below), goes through init as before.
//
// Why a new pid namespace (CVE-2019-5736 class): until it executes the exec program the
// last stage is a copy of the runtime, its /proc/<pid>/exe the host's berth binary, where
// init runs from the protected copy (exe.go). A process that holds that exe can write the
// host's binary once nothing executes it. The stage is that copy only while the create
// builds the container, milliseconds, before anyone but the host's root could reach it:
// it is the first process of a pid namespace nobody else has joined, its namespace files
// open only to a ptracer of a non-dumpable process, that is the host's root; its memory
// is the runtime's, which belongs to the host's user namespace even once the stage is in
// the container's (no execve), so CAP_SYS_PTRACE there does not reach it either. A joined
// pid namespace keeps init. What waits for start, for as long as it takes, is the
// sealed program (nsenter/dmz.go): executed from a memfd nobody in the container may
// read, it too belongs to the host's user namespace (the kernel's rule for unreadable
// executables), like init (security-init-reachable.bats).
func planPath(cfg *configs.Config, o CreateOpts) error {
	if err := planRefusal(cfg, &cfg.Process, o.Rootless); err != nil {
		return err
	}
	switch {
	case cfg.Process.Terminal && !devptsLast(cfg.Mounts):
		return errNoPlan("terminal without a devpts at /dev/pts")
	case cfg.MountLabel != "":
		return errNoPlan("mount label")
	case len(hooks.List(cfg.Hooks, "createContainer")) > 0 || len(hooks.List(cfg.Hooks, "startContainer")) > 0:
		return errNoPlan("hooks that run in the container")
	}
	for _, t := range []configs.NamespaceType{configs.NEWNS, configs.NEWPID} {
		if !cfg.HasNamespace(t) || cfg.NamespacePath(t) != "" {
			return errNoPlan("needs new mount and pid namespaces")
		}
	}
	if cfg.HasNamespace(configs.NEWUSER) {
		if err := planUserNSRefusal(cfg); err != nil {
			return err
		}
	}
	procs := 0
	for _, m := range cfg.Mounts {
		if m.Type == "proc" && !m.IsBind() {
			if _, ok := rootfs.ProcAttrs(m); !ok {
				return errNoPlan("proc mount options")
			}
			procs++
		}
	}
	if procs > 1 {
		return errNoPlan("more than one proc mount")
	}
	if p := &cfg.Process; (p.ApparmorProfile != "" || p.SelinuxLabel != "") && procs == 0 {
		// The label's file is opened in the container's own proc instance.
		return errNoPlan("LSM label without a proc mount")
	}
	if procs == 0 && cfg.HasNamespace(configs.NEWCGROUP) {
		// The proc record is what tells the runtime the stage has made the cgroup
		// namespace it joins to mount cgroupfs (nsenter's Plan.NewCgroupNS).
		return errNoPlan("cgroup namespace without a proc mount")
	}
	return nil
}

// devptsLast tells whether /dev/pts is a devpts mount that no later mount covers: the
// runtime opens the terminal of a create on the one-runtime path there, and only there
// (incontainer.OpenPlanPty); otherwise init opens /dev/ptmx from inside the container.
func devptsLast(mounts []configs.Mount) bool {
	ok := false
	for _, m := range mounts {
		switch dest := filepath.Clean(m.Destination); {
		case dest == "/dev/pts":
			ok = m.Type == "devpts" && !m.IsBind()
		case dest == "/" || dest == "/dev":
			ok = false
		}
	}
	return ok
}

// planRefusal is what keeps init for the container's first process and for an exec
// alike (process p in the container cfg): what a plan cannot set, or cannot set yet.
func planRefusal(cfg *configs.Config, p *configs.Process, rootless bool) error {
	switch {
	case os.Getenv(NoPlanEnv) == "1":
		return errNoPlan("disabled by " + NoPlanEnv)
	case !nsenter.PlanSupported():
		return errNoPlan("architecture")
	case os.Geteuid() != 0 || rootless:
		return errNoPlan("not root")
	case cfg.NoPivot:
		return errNoPlan("no pivot")
	case p.ApparmorProfile != "" && p.SelinuxLabel != "":
		// The exec program writes one label.
		return errNoPlan("both an AppArmor profile and an SELinux label")
	case seccomp.AgentPath(cfg.Seccomp) != "":
		return errNoPlan("seccomp agent")
	case len(p.Args) == 0:
		return errNoPlan("no process")
	case labelledRootGains(p):
		return errNoPlan("an LSM label with no_new_privs, for a root whose bounding or inheritable set exceeds its permitted")
	}
	return nil
}

// labelledRootGains: the exec program, executed by root, would hold the bounding and
// inheritable sets as permitted (the kernel's rule for root) while it writes an LSM label,
// which it must do before no_new_privs caps that (nsenter's planstage.go): the process
// would keep what the config leaves out of its permitted set. Init sets the label, then
// no_new_privs, then executes the process once.
func labelledRootGains(p *configs.Process) bool {
	if !p.NoNewPrivileges || p.UID != 0 || (p.ApparmorProfile == "" && p.SelinuxLabel == "") || p.Capabilities == nil {
		return false
	}
	last := caps.Last()
	c := p.Capabilities
	return (caps.Mask(c.Bounding, last)|caps.Mask(c.Inheritable, last))&^caps.Mask(c.Permitted, last) != 0
}

type errNoPlan string

func (e errNoPlan) Error() string { return "one-runtime path not taken: " + string(e) }

// compilePlan turns the process part of cfg into nsenter's plan: what init's
// prepareProcess and caps.Apply would do, as values for raw system calls.
func compilePlan(cfg *configs.Config, id string, listener, preserve int, nullFds []int) *nsenter.Plan {
	plan := processPlan(cfg, id, &cfg.Process, listener, preserve)
	plan.NullFds = nullFds
	for _, m := range cfg.Mounts {
		if m.Type == "proc" && !m.IsBind() {
			plan.MountProc = true
			plan.ProcAttrs, _ = rootfs.ProcAttrs(m)
			plan.ProcSource = m.Source
		}
	}
	return plan
}

// processPlan is what compilePlan and exec's plan share: user, groups, umask, cwd,
// no_new_privs and capabilities, as init's prepareProcess and caps.Apply would set them,
// the LSM label, the fresh session keyring of container id that every process of it
// joins, and the container-wide settings of cfg a task gives itself (personality,
// memory policy).
func processPlan(cfg *configs.Config, id string, p *configs.Process, listener, preserve int) *nsenter.Plan {
	plan := &nsenter.Plan{
		Listener: listener, UID: p.UID, GID: p.GID, Groups: p.AdditionalGids,
		NoNewPrivileges: p.NoNewPrivileges, Umask: -1, Cwd: p.Cwd, Preserve: preserve,
	}
	if p.Umask != nil {
		plan.Umask = int(*p.Umask)
	}
	// The label the process runs with, as init's setLSMLabels writes it (the paths allow
	// one of the two). The exec program writes it under a proc instance of the
	// container's: a create's own (planPath wants one), for an exec one made for it.
	switch {
	case p.ApparmorProfile != "":
		// The LSM-specific file since Linux 5.8, the shared one before.
		plan.ExecAttr = "exec " + p.ApparmorProfile
		plan.ExecAttrFiles = [2]string{"self/attr/apparmor/exec", "self/attr/exec"}
	case p.SelinuxLabel != "":
		plan.ExecAttr = p.SelinuxLabel
		plan.ExecAttrFiles = [2]string{"self/attr/exec"}
	}
	if !cfg.NoNewKeyring {
		// Not the caller's (an engine's, the host's): the host's keys are none of the
		// container's business.
		plan.Keyring = incontainer.SessionKeyring(id)
	}
	plan.Personality = cfg.Personality
	if mp := cfg.MemoryPolicy; mp != nil {
		plan.MemPolicy, plan.MemPolicyMode, plan.MemPolicyNodes = true, mp.Mode, mp.Nodes
	}
	c := p.Capabilities
	if c == nil {
		c = &configs.Capabilities{}
	}
	last := caps.Last()
	plan.Effective, plan.Permitted, plan.Inheritable = caps.Mask(c.Effective, last), caps.Mask(c.Permitted, last), caps.Mask(c.Inheritable, last)
	keep := caps.Mask(c.Bounding, last)
	for n := 0; n <= last; n++ {
		if keep&(1<<uint(n)) == 0 {
			plan.BoundingDrop = append(plan.BoundingDrop, n)
		}
	}
	// As caps.Apply: only those both permitted and inheritable (the kernel refuses others).
	allowed := plan.Permitted & plan.Inheritable
	for _, n := range c.Ambient {
		if n >= 0 && n <= last && allowed&(1<<uint(n)) != 0 {
			plan.Ambient = append(plan.Ambient, n)
		}
	}
	return plan
}

// lsmField names the field and value of p's LSM label (the one-runtime path takes one).
func lsmField(p *configs.Process) string {
	if p.ApparmorProfile != "" {
		return fmt.Sprintf("process.apparmorProfile %q", p.ApparmorProfile)
	}
	return fmt.Sprintf("process.selinuxLabel %q", p.SelinuxLabel)
}
