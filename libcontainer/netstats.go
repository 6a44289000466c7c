package libcontainer

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// NetInterface is one interface's counters, named as in runc's events (types.NetworkInterface,
// which has no JSON tags: the Go names are the keys).
type NetInterface struct {
	Name      string
	RxBytes   uint64
	RxPackets uint64
	RxErrors  uint64
	RxDropped uint64
	TxBytes   uint64
	TxPackets uint64
	TxErrors  uint64
	TxDropped uint64
}

// NetInterfaces reads the counters of every interface in the container's network namespace
// through its init's /proc/<pid>/net/dev, which shows the namespace of that process. A
// container in the runtime's own network namespace has none of its own: nil.
func (m *Monitor) NetInterfaces() ([]NetInterface, error) {
	pid := m.st.InitPid
	own, err1 := os.Stat("/proc/self/ns/net")
	theirs, err2 := os.Stat(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err1 != nil || err2 != nil || os.SameFile(own, theirs) {
		return nil, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return nil, fmt.Errorf("network interfaces: %w", err)
	}
	if !processAlive(pid, m.st.InitStartTime) {
		return nil, nil // init exited meanwhile: that was someone else's namespace
	}
	return parseNetDev(string(b))
}

// parseNetDev reads /proc/net/dev: two header lines, then "name: rx-bytes rx-packets rx-errs
// rx-drop fifo frame compressed multicast tx-bytes tx-packets tx-errs tx-drop ...".
func parseNetDev(text string) ([]NetInterface, error) {
	var out []NetInterface
	for _, line := range strings.Split(text, "\n") {
		name, counters, ok := strings.Cut(line, ":")
		if !ok || strings.Contains(name, "|") {
			continue // header
		}
		f := strings.Fields(counters)
		if len(f) < 12 {
			return nil, fmt.Errorf("network interfaces: malformed /proc/net/dev line %q", line)
		}
		var v [12]uint64
		for i := range v {
			n, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("network interfaces: malformed /proc/net/dev line %q", line)
			}
			v[i] = n
		}
		out = append(out, NetInterface{
			Name:    strings.TrimSpace(name),
			RxBytes: v[0], RxPackets: v[1], RxErrors: v[2], RxDropped: v[3],
			TxBytes: v[8], TxPackets: v[9], TxErrors: v[10], TxDropped: v[11],
		})
	}
	return out, nil
}
