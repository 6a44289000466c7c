package specconv

import "github.com/berth-runtime/berth/libcontainer/configs"

// maxID is the largest uid or gid a process may be given, as with runc: from 2^31 on,
// ids are refused. (uid_t)-1 = 4294967295 means "leave unchanged" to setresuid and
// setresgid, so process.user.uid 4294967295 would silently keep the process root
// ("id -1" class); nothing legitimate lives that high.
const maxID = 1<<31 - 1

// CheckUser validates process.user's ids (also for `berth exec --user`, whose process
// does not come from a config.json).
func CheckUser(uid, gid uint32, additionalGids []uint32) error {
	if uid > maxID {
		return configs.FieldErrorf("process.user.uid", "%d: uids and gids must be in range 0-%d", uid, maxID)
	}
	if gid > maxID {
		return configs.FieldErrorf("process.user.gid", "%d: uids and gids must be in range 0-%d", gid, maxID)
	}
	for i, g := range additionalGids {
		if g > maxID {
			return configs.FieldErrorf(configs.Index("process.user.additionalGids", i), "%d: uids and gids must be in range 0-%d", g, maxID)
		}
	}
	return nil
}
