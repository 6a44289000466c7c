package incontainer

import (
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	"github.com/berth-runtime/berth/rootfs"
)

// prepareRootfs fetches the trees the parent built for the mounts idx (see
// libcontainer/idmapmounts.go), then builds the rootfs.
func prepareRootfs(ch *initproto.Init, cfg *configs.Config, idx []int) error {
	sources, err := ch.RequestMountSources(idx)
	if err != nil {
		return err
	}
	defer func() {
		for _, f := range sources {
			f.Close()
		}
	}()
	return rootfs.PrepareWith(cfg, rootfs.PrepareOpts{Sources: sources})
}
