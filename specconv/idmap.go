package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// mountIDMap fills out's idmapping from the mount's uidMappings/gidMappings and its
// idmap/ridmap option. userMaps gives the container's user namespace maps (configured,
// or read from a joined namespace), which an idmap option without mappings falls back
// to (runtime-spec allows it; runc does the same).
func mountIDMap(field string, m specs.Mount, opts mountOptions, out *configs.Mount, userMaps func() (uid, gid []configs.IDMap, err error)) error {
	own := len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0
	if !own && !opts.idmap && !opts.ridmap {
		return nil
	}
	// A new filesystem instance would need fsopen/fsmount and a filesystem that
	// supports idmapping; runc also limits this to binds.
	if !out.IsBind() {
		return configs.FieldErrorf(field+".options", "idmapped mounts are supported for bind mounts only")
	}
	if host.euid() != 0 {
		return configs.FieldErrorf(field+".uidMappings", "idmapped mounts need root (CAP_SYS_ADMIN in the initial user namespace)")
	}
	if !own {
		userUID, userGID, err := userMaps()
		if err != nil {
			return configs.FieldErrorf(field+".options", "idmap without uidMappings/gidMappings: %w", err)
		}
		if len(userUID) == 0 {
			return configs.FieldErrorf(field+".options", "idmap without uidMappings/gidMappings needs a user namespace whose mappings to use")
		}
		out.UIDMappings, out.GIDMappings = userUID, userGID
		out.IDMapRecursive = opts.ridmap
		return nil
	}
	if len(m.UIDMappings) == 0 {
		return configs.FieldErrorf(field+".uidMappings", "missing: gidMappings is set and the two go together")
	}
	if len(m.GIDMappings) == 0 {
		return configs.FieldErrorf(field+".gidMappings", "missing: uidMappings is set and the two go together")
	}
	var err error
	if out.UIDMappings, err = convertIDMaps(field+".uidMappings", m.UIDMappings); err != nil {
		return err
	}
	if out.GIDMappings, err = convertIDMaps(field+".gidMappings", m.GIDMappings); err != nil {
		return err
	}
	out.IDMapRecursive = opts.ridmap
	return nil
}
