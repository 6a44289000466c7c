package libcontainer

import (
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/nsenter"
)

type nsPlan struct {
	join     []nsenter.Join
	newFlags uintptr
}

// namespacesFor splits linux.namespaces into namespaces to join and to create.
func namespacesFor(cfg *configs.Config) nsPlan {
	var p nsPlan
	for _, ns := range cfg.Namespaces {
		flag := nsenter.NamespaceFlag(string(ns.Type))
		if ns.Path != "" {
			p.join = append(p.join, nsenter.Join{Type: flag, Path: ns.Path})
		} else {
			p.newFlags |= flag
		}
	}
	return p
}

func idMaps(m []configs.IDMap) []nsenter.IDMap {
	out := make([]nsenter.IDMap, len(m))
	for i, e := range m {
		out[i] = nsenter.IDMap{ContainerID: e.ContainerID, HostID: e.HostID, Size: e.Size}
	}
	return out
}
