package rootfs

import (
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// delayedReadonly: a read-only tmpfs, and a read-only /dev of any filesystem, are
// mounted read-write and made read-only only once the container is built (Readonly),
// as runc does: /dev gets its device nodes, links, pts/shm/mqueue mount points and
// /dev/console, a tmpfs its tmpcopyup copy. Binds get their flags at once.
func delayedReadonly(m configs.Mount) bool {
	return !m.IsBind() && m.Flags&unix.MS_RDONLY != 0 && (m.Type == "tmpfs" || cleanDest(m.Destination) == "/dev")
}

// Readonly makes the mounts delayedReadonly left writable read-only. It runs in init
// after Finish and after the console is set up, inside the container's root.
func Readonly(c *configs.Config) error {
	for _, m := range c.Mounts {
		if delayedReadonly(m) {
			r, err := openRoot("/")
			if err != nil {
				return err
			}
			defer r.Close()
			return readonlyMounts(r, c.Mounts)
		}
	}
	return nil
}

func readonlyMounts(r *root, mounts []configs.Mount) error {
	for i, m := range mounts {
		if !delayedReadonly(m) {
			continue
		}
		p := cleanDest(m.Destination)
		f, err := r.open(p)
		if err != nil {
			return fmt.Errorf("mounts[%d] (%s): reopen to make it read-only: %w", i, p, err)
		}
		err = remountReadonly(f, newMountRef().of(f, p))
		f.Close()
		if err != nil {
			return fmt.Errorf("mounts[%d] (%s): %w", i, p, err)
		}
	}
	return nil
}
