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
		norm, err := normalizeSysctlKey(k)
		if err != nil {
			return nil, configs.FieldErrorf(field, "%w", err)
		}
		if strings.ContainsAny(v, "\x00\n") {
			return nil, configs.FieldErrorf(field, "value contains a NUL byte or newline")
		}
		var need configs.NamespaceType
		switch {
		case ipcSysctls[norm] || strings.HasPrefix(norm, "fs.mqueue."):
			need = configs.NEWIPC
		case strings.HasPrefix(norm, "net."):
			need = configs.NEWNET
		case utsSysctls[norm]:
			need = configs.NEWUTS
		case strings.HasPrefix(norm, "user."):
			// The user.max_* counters belong to each user namespace (runc 1.5).
			need = configs.NEWUSER
		default:
			return nil, configs.FieldErrorf(field, "not a namespaced sysctl")
		}
		if err := requirePrivateNamespace(c, need); err != nil {
			return nil, configs.FieldErrorf(field, "%w", err)
		}
		out[k] = v
	}
	return out, nil
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
