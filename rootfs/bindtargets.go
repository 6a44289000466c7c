package rootfs

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// BindTargets maps the destination of each bind mount of c to the path the mount has in
// the container's mount table: the destination with the image's symlinks followed,
// inside the rootfs. CRIU names mounts by that path (libcontainer/criu).
//
// With create, missing targets are made as create makes them (a directory, or an empty
// file for a source that is not one): a restore may get a rootfs that lacks them. A
// destination under another filesystem's mount (a tmpfs, /proc, ...) is left as
// written: the host's rootfs does not show what is mounted there (CRIU restores a tmpfs
// with its content, mount points included; a bind's target inside another bind is in
// that one's source, where create made it).
func BindTargets(c *configs.Config, create bool) (map[string]string, error) {
	r, err := openRoot(c.Rootfs)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var dests []string
	for _, m := range c.Mounts {
		dests = append(dests, cleanDest(m.Destination))
	}
	out := map[string]string{}
	for _, m := range c.Mounts {
		if !m.IsBind() {
			continue
		}
		dest := cleanDest(m.Destination)
		out[m.Destination] = dest
		if underAny(dest, dests) {
			continue
		}
		resolved, err := bindTarget(r, m, dest, create)
		if err != nil {
			return nil, fmt.Errorf("mount %s: %w", dest, err)
		}
		out[m.Destination] = resolved
	}
	return out, nil
}

// bindTarget resolves dest in r, creating it with create; dest itself when it does not
// exist and may not be created.
func bindTarget(r *root, m configs.Mount, dest string, create bool) (string, error) {
	f, err := r.open(dest)
	if errors.Is(err, os.ErrNotExist) && create {
		fi, serr := os.Stat(m.Source)
		if serr != nil {
			return "", serr
		}
		if fi.IsDir() {
			f, err = r.mkdirAll(dest)
		} else {
			f, err = r.fileTarget(dest)
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		return dest, nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	return r.containerPathOf(f)
}

// underAny: p is strictly below one of dirs.
func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if d == "/" || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}
