package specconv

import (
	"errors"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// ipcSysctls are the IPC-namespaced keys outside fs.mqueue.*.
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// utsSysctls are set through the UTS namespace.
var utsSysctls = map[string]bool{"kernel.hostname": true, "kernel.domainname": true}

// convertSysctl allows only keys that live in a namespace the container has of its own:
// anything else would change the host for everyone.
func convertSysctl(in map[string]string, c *configs.Config) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		field := configs.Key("linux.sysctl", k)
		need, err := SysctlNamespace(k)
		if err != nil {
			return nil, configs.FieldErrorf(field, "%w", err)
		}
		if strings.ContainsAny(v, "\x00\n") {
			return nil, configs.FieldErrorf(field, "value contains a NUL byte or newline")
		}
		if err := requirePrivateNamespace(c, need); err != nil {
			return nil, configs.FieldErrorf(field, "%w", err)
		}
		out[k] = v
	}
	return out, nil
}

// SysctlNamespace is the namespace whose sysctl key k is (either separator), or an error
// for an invalid key or one that is not namespaced.
func SysctlNamespace(k string) (configs.NamespaceType, error) {
	norm, err := normalizeSysctlKey(k)
	if err != nil {
		return "", err
	}
	switch {
	case ipcSysctls[norm] || strings.HasPrefix(norm, "fs.mqueue."):
		return configs.NEWIPC, nil
	case strings.HasPrefix(norm, "net."):
		return configs.NEWNET, nil
	case utsSysctls[norm]:
		return configs.NEWUTS, nil
	case strings.HasPrefix(norm, "user."):
		// The user.max_* counters belong to each user namespace (runc 1.5).
		return configs.NEWUSER, nil
	}
	return "", errors.New("not a namespaced sysctl")
}

// normalizeSysctlKey returns k in dotted form. Keys may use "/" as the separator (then a
// dot is part of a name, as in "net/ipv4/conf/eth0.100/forwarding"); every part must be a
// plain name so the key cannot walk out of /proc/sys.
func normalizeSysctlKey(k string) (string, error) {
	sep := "."
	if strings.Contains(k, "/") {
		sep = "/"
	}
	parts := strings.Split(k, sep)
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, "\x00 \t\n") {
			return "", errInvalidSysctlKey
		}
	}
	return strings.Join(parts, "."), nil
}

var errInvalidSysctlKey = errors.New("not a valid sysctl name")
