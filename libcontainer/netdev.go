package libcontainer

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// linux.netDevices: each named host interface is moved into the container's network
// namespace (renamed if asked), keeps its permanent global addresses, and is set up.
//
// Nothing moves them back. runtime-spec forbids it: the runtime MUST NOT move the
// interface out before the namespace is deleted. When the namespace dies with the
// container, the kernel returns physical devices to the initial namespace and destroys
// virtual ones (dummy, veth, macvlan...).

// moveNetDevices moves cfg.NetDevices into the network namespace of process pid.
func moveNetDevices(devs []configs.NetDevice, pid int) error {
	if len(devs) == 0 {
		return nil
	}
	nsPath := fmt.Sprintf("/proc/%d/ns/net", pid)
	nsfd, err := unix.Open(nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("linux.netDevices: open %s: %w", nsPath, err)
	}
	defer unix.Close(nsfd)
	hostConn, err := newNLConn()
	if err != nil {
		return fmt.Errorf("linux.netDevices: %w", err)
	}
	defer hostConn.Close()
	inner, err := netlinkIn(nsfd)
	if err != nil {
		return fmt.Errorf("linux.netDevices: netlink in the container's network namespace: %w", err)
	}
	defer inner.Close()
	for _, d := range devs {
		if err := moveNetDevice(hostConn, inner, nsfd, d); err != nil {
			return fmt.Errorf("linux.netDevices[%q]: %w", d.HostName, err)
		}
	}
	return nil
}

func moveNetDevice(host, inner *nlConn, nsfd int, d configs.NetDevice) error {
	idx, err := host.linkIndex(d.HostName)
	if err != nil {
		return fmt.Errorf("find %s: %w", d.HostName, err)
	}
	// The kernel drops a device's addresses when it changes namespace: read them first.
	addrs, err := host.permanentGlobalAddrs(idx)
	if err != nil {
		return fmt.Errorf("read addresses: %w", err)
	}
	// Checked first: the kernel would move the device, then fail to rename it, and the
	// device would be stranded in the container.
	if !strings.Contains(d.Name, "%d") {
		if _, err := inner.linkIndex(d.Name); err == nil {
			return fmt.Errorf("move into the container's network namespace as %s: %w", d.Name, unix.EEXIST)
		} else if err != unix.ENODEV {
			return fmt.Errorf("look for %s in the container: %w", d.Name, err)
		}
	}
	// One message moves and renames: the kernel refuses (EEXIST) a name already used in
	// the container, or numbers a "%d" template. A template's result is not known in
	// advance, so the device is then asked to keep its index to be found again.
	attrs := []nlAttr{attrU32(unix.IFLA_NET_NS_FD, uint32(nsfd)), attrString(unix.IFLA_IFNAME, d.Name)}
	template := strings.Contains(d.Name, "%d")
	if template {
		attrs = append(attrs, attrU32(unix.IFLA_NEW_IFINDEX, uint32(idx)))
	}
	if err := host.setLink(idx, 0, 0, attrs...); err != nil {
		return fmt.Errorf("move into the container's network namespace as %s: %w", d.Name, err)
	}
	newIdx := idx
	if !template {
		if newIdx, err = inner.linkIndex(d.Name); err != nil {
			return fmt.Errorf("find %s in the container: %w", d.Name, err)
		}
	}
	for _, a := range addrs {
		if err := inner.addAddr(newIdx, a); err != nil && err != unix.EEXIST {
			return fmt.Errorf("restore an address: %w", err)
		}
	}
	if err := inner.setLink(newIdx, unix.IFF_UP, unix.IFF_UP); err != nil {
		return fmt.Errorf("set %s up: %w", d.Name, err)
	}
	return nil
}

// netlinkIn opens a netlink socket in the network namespace nsfd. A socket keeps the
// namespace it was created in, so one OS thread enters it just for socket(2).
func netlinkIn(nsfd int) (*nlConn, error) {
	type result struct {
		c   *nlConn
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{nil, err}
			return
		}
		defer unix.Close(orig)
		if err := unix.Setns(nsfd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{nil, fmt.Errorf("setns: %w", err)}
			return
		}
		c, err := newNLConn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			// The thread stays locked, so Go ends it with this goroutine rather than
			// letting other code run in the container's network namespace.
			if c != nil {
				c.Close()
			}
			done <- result{nil, fmt.Errorf("return to the runtime's network namespace: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{c, err}
	}()
	r := <-done
	return r.c, r.err
}
