package libcontainer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/criu"
	"github.com/berth-runtime/berth/rootfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// descriptorsFile, in the images directory, records the checkpointed init's stdio
// (runc's name and format): restore replaces the pipes among them with its own stdio.
const descriptorsFile = "descriptors.json"

// CheckpointOpts are the inputs of `berth checkpoint`.
type CheckpointOpts struct {
	ID   string
	CRIU criu.Options
}

// Checkpoint saves a running (or paused) container with CRIU. Unless it is left
// running (or only pre-dumped), CRIU stops its processes and the container is then
// deleted, as runc does: `berth restore` brings it back, under this id or another.
// When CRIU fails the container keeps running as it was; the error names CRIU's log.
func (s Store) Checkpoint(o CheckpointOpts) error {
	unlock, err := s.Lock(o.ID)
	if err != nil {
		return err
	}
	err = s.checkpointLocked(o)
	unlock()
	if err != nil || o.CRIU.LeaveRunning || o.CRIU.PreDump {
		return err
	}
	warning, err := s.Delete(o.ID, true)
	if warning != nil {
		fmt.Fprintf(os.Stderr, "berth: warning: %v\n", warning)
	}
	if err != nil {
		return fmt.Errorf("checkpoint saved, but deleting the container failed: %w", err)
	}
	return nil
}

func (s Store) checkpointLocked(o CheckpointOpts) error {
	st, err := s.Load(o.ID)
	if err != nil {
		return err
	}
	if status := s.Status(st); status != specs.StateRunning && status != StatePaused {
		return fmt.Errorf("cannot checkpoint container %q: it is %s", o.ID, status)
	}
	dirs, err := criu.DirFiles(&o.CRIU, true)
	if err != nil {
		return err
	}
	defer closeFiles(dirs)
	if err := criu.CheckParentPath(o.CRIU.ImagePath, o.CRIU.ParentPath); err != nil {
		return err
	}
	c, err := dumpFacts(st)
	if err != nil {
		return err
	}
	imagesFD, workFD := criu.DirFDs(dirs)
	req, err := criu.DumpRequest(&o.CRIU, c, imagesFD, workFD)
	if err != nil {
		return err
	}
	if !o.CRIU.PreDump {
		if err := writeDescriptors(o.CRIU.ImagePath, st.InitPid); err != nil {
			return err
		}
	}
	sw, err := criu.Start(criu.Launch{})
	if err != nil {
		return err
	}
	defer sw.Close()
	logFile := filepath.Join(o.CRIU.LogDir(), req.GetOpts().GetLogFile())
	statusFD := o.CRIU.StatusFD
	_, err = sw.Do(req, func(script string, _ int32, fds []int) error {
		closeFDs(fds)
		if script == "status-ready" && statusFD >= 0 {
			// Lazy pages: CRIU serves the memory now, the restore side may start.
			unix.Write(statusFD, []byte{0})
			unix.Close(statusFD)
			statusFD = -1
		}
		return nil
	})
	if err != nil {
		return criu.Explain(err, logFile)
	}
	return sw.Close()
}

// dumpFacts gathers what CRIU must be told about the running container st.
func dumpFacts(st *State) (*criu.Container, error) {
	cfg := st.Config
	c := &criu.Container{
		Config:       cfg,
		Pid:          st.InitPid,
		Root:         cfg.Rootfs,
		FreezeCgroup: freezerDir(st.Cgroup),
		MaskedFiles:  maskedFiles(st.InitPid, cfg.MaskedPaths),
		NSInode:      nsInode,
	}
	targets, err := rootfs.BindTargets(cfg, false)
	if err != nil {
		return nil, err
	}
	c.ResolveDest = func(dest string) string { return targets[dest] }
	if c.CgroupBinds, err = cgroupBinds(cfg, st.InitPid); err != nil {
		return nil, err
	}
	return c, nil
}

// freezerDir is where CRIU freezes the container while it dumps: the v1 freezer, else
// the cgroup2 directory; "" without a cgroup (CRIU then stops each task with ptrace).
func freezerDir(s cgroups.State) string {
	if d := s.Paths["freezer"]; d != "" {
		return d
	}
	return s.Paths[""]
}

// maskedFiles are the masked paths of init's container that are files (bound over
// with the null device); directories are a tmpfs, which CRIU saves itself.
func maskedFiles(pid int, paths []string) []string {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/root" + filepath.Clean("/"+p))
		if err == nil && !fi.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// cgroupBinds are the host cgroup directories bound into the container: its "cgroup"
// mounts without a cgroup namespace on a host with v1 hierarchies (see rootfs), for a
// container whose processes are in the cgroups of pid.
func cgroupBinds(cfg *configs.Config, pid int) ([]criu.Mount, error) {
	if cfg.HasNamespace(configs.NEWCGROUP) {
		return nil, nil
	}
	var out []criu.Mount
	for _, m := range cfg.Mounts {
		if m.Type != "cgroup" {
			continue
		}
		binds, err := rootfs.CgroupBinds(m.Destination, cfg.Rootfs, pid)
		if err != nil {
			return nil, fmt.Errorf("cgroup mount %s: %w", m.Destination, err)
		}
		for _, b := range binds {
			out = append(out, criu.Mount{Dest: b.Dest, Source: b.Source})
		}
	}
	return out, nil
}

func nsInode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// writeDescriptors records what init's stdio are (pipe:[123], /dev/pts/0, ...).
func writeDescriptors(imageDir string, pid int) error {
	fds := make([]string, 3)
	for i := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, i))
		if err != nil {
			link = "" // closed: nothing to hand over
		}
		fds[i] = link
	}
	data, err := json.Marshal(fds)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(imageDir, descriptorsFile), data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", descriptorsFile, err)
	}
	return nil
}

// readDescriptors reads descriptors.json; images without one (made by plain criu) have
// no stdio to hand over.
func readDescriptors(imageDir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(imageDir, descriptorsFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var fds []string
	if err := json.Unmarshal(data, &fds); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(imageDir, descriptorsFile), err)
	}
	return fds, nil
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
