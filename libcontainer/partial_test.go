package libcontainer

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/configs"
)

// delete --force of a create that died after starting init: the init recorded in the
// partial file is killed (pid and start time match) and the directory removed.
func TestRemovePartialKillsRecordedInit(t *testing.T) {
	s := Store{Root: t.TempDir()}
	dir, unlock, err := s.reserveLocked("c1")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stat, err := readProcStat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	c := &creation{dir: dir, cfg: &configs.Config{}, pid: cmd.Process.Pid, pidStart: stat.StartTime}
	if err := c.recordPartial(cgroups.State{}); err != nil {
		t.Fatal(err)
	}
	unlock()
	if _, err := s.Delete("c1", true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the recorded init was not killed")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("directory left: %v", err)
	}
}
