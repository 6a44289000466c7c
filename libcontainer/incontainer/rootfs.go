package incontainer

import (
	"fmt"
	"os"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	"github.com/berth-runtime/berth/rootfs"
)

// prepareRootfs (in init) fetches the trees the parent built for the mounts idx, then
// builds the rootfs.
func prepareRootfs(ch *initproto.Channel, cfg *configs.Config, idx []int) error {
	sources := map[int]*os.File{}
	defer func() {
		for _, f := range sources {
			f.Close()
		}
	}()
	if len(idx) > 0 {
		if err := ch.Send(initproto.Message{Type: initproto.MsgMountSources}); err != nil {
			return err
		}
		for _, i := range idx {
			f, err := ch.RecvFD()
			if err != nil {
				return fmt.Errorf("mounts[%d]: receive the runtime's mount tree: %w", i, err)
			}
			sources[i] = f
		}
	}
	return rootfs.PrepareWith(cfg, rootfs.PrepareOpts{Sources: sources})
}
