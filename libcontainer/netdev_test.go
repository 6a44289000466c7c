package libcontainer

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// TestMoveNetDevices moves a virtual interface with addresses into the network namespace
// of a throwaway `unshare -n` process. Needs root and iproute2; leaves nothing: the
// interface dies with that namespace.
func TestMoveNetDevices(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, tool := range []string{"ip", "unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	holder := exec.Command("unshare", "-n", "sleep", "60")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		holder.Process.Kill()
		holder.Wait()
	}()
	dev := fmt.Sprintf("bt%d", rand.Intn(1e6))
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v: %s", args, err, out)
		}
		return string(out)
	}
	if exec.Command("ip", "link", "add", dev, "type", "dummy").Run() != nil {
		run("ip", "link", "add", dev, "type", "ifb")
	}
	defer exec.Command("ip", "link", "delete", dev).Run()
	run("ip", "addr", "add", "10.77.0.2/24", "dev", dev)
	run("ip", "-6", "addr", "add", "fd00:77::2/64", "dev", dev, "nodad")
	// Wait until unshare has made the namespace (its child is then sleep).
	for i := 0; i < 100; i++ {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", holder.Process.Pid)); strings.TrimSpace(string(b)) == "sleep" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A name the namespace already has is refused before anything moves.
	err := moveNetDevices([]configs.NetDevice{{HostName: dev, Name: "lo"}}, holder.Process.Pid)
	if err == nil || !strings.Contains(err.Error(), "file exists") {
		t.Fatalf("moving as lo: got %v, want file exists", err)
	}
	if exec.Command("ip", "link", "show", dev).Run() != nil {
		t.Fatalf("%s left the host although the move was refused", dev)
	}

	err = moveNetDevices([]configs.NetDevice{{HostName: dev, Name: "inner0"}}, holder.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	inside := run("nsenter", "-t", fmt.Sprint(holder.Process.Pid), "-n", "ip", "-o", "addr", "show", "dev", "inner0")
	for _, want := range []string{"10.77.0.2/24", "fd00:77::2/64"} {
		if !strings.Contains(inside, want) {
			t.Errorf("address %s not kept: %s", want, inside)
		}
	}
	link := run("nsenter", "-t", fmt.Sprint(holder.Process.Pid), "-n", "ip", "-o", "link", "show", "dev", "inner0")
	if !strings.Contains(link, ",UP") && !strings.Contains(link, "<UP") {
		t.Errorf("not up: %s", link)
	}
	if exec.Command("ip", "link", "show", dev).Run() == nil {
		t.Errorf("%s is still on the host", dev)
	}
}
