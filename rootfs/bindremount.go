package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const (
	// propagationFlags never go in the same mount(2) call as anything else.
	propagationFlags = unix.MS_SHARED | unix.MS_SLAVE | unix.MS_PRIVATE | unix.MS_UNBINDABLE
	atimeFlags       = unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME
	// perMountFlags are the flags a MS_REMOUNT|MS_BIND can change on one mount.
	perMountFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
		unix.MS_NOSYMFOLLOW | atimeFlags
	// lockableFlags are those a less privileged mount namespace inherits locked: a
	// remount that drops them fails with EPERM, so they are kept unless asked off.
	lockableFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
)

// stNoSymfollow is ST_NOSYMFOLLOW (Linux 5.10), missing from x/sys.
const stNoSymfollow = 0x2000

// statfsToMountFlags converts statfs(2) f_flags (ST_*) into the MS_* flags they mirror.
func statfsToMountFlags(st int64) uintptr {
	pairs := []struct {
		st int64
		ms uintptr
	}{
		{unix.ST_RDONLY, unix.MS_RDONLY},
		{unix.ST_NOSUID, unix.MS_NOSUID},
		{unix.ST_NODEV, unix.MS_NODEV},
		{unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME},
		{unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
		{stNoSymfollow, unix.MS_NOSYMFOLLOW},
	}
	var ms uintptr
	for _, p := range pairs {
		if st&p.st != 0 {
			ms |= p.ms
		}
	}
	return ms
}

// bindRemountFlags computes the MS_REMOUNT|MS_BIND flags that give a freshly bound
// mount (whose flags are now cur) what the config asked: requested flags set, cleared
// flags ("rw", "suid", ...) dropped, every other flag it inherited kept. It also says
// whether a remount is needed at all.
func bindRemountFlags(cur, requested, cleared uintptr) (flags uintptr, needed bool) {
	req := requested & perMountFlags
	keep := cur & lockableFlags &^ cleared
	want := req | keep
	needed = want&lockableFlags != cur&lockableFlags ||
		want&unix.MS_NOSYMFOLLOW != cur&unix.MS_NOSYMFOLLOW ||
		(req&atimeFlags != 0 && req&atimeFlags != cur&atimeFlags)
	// With no atime flag in a remount the kernel keeps the current atime mode.
	return unix.MS_REMOUNT | unix.MS_BIND | want, needed
}

// mountFlagsOf reads the current per-mount flags of the mount f is on.
func mountFlagsOf(f *os.File) (uintptr, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", f.Name(), err)
	}
	return statfsToMountFlags(st.Flags), nil
}

// remountBind applies requested/cleared flags to the mount at f (a bind, or any mount
// whose per-mount flags must change), keeping locked flags.
func remountBind(f *os.File, requested, cleared uintptr) error {
	cur, err := mountFlagsOf(f)
	if err != nil {
		return err
	}
	flags, needed := bindRemountFlags(cur, requested, cleared)
	if !needed {
		return nil
	}
	if err := sys.Mount("", fdPath(f), "", flags, ""); err != nil {
		return fmt.Errorf("remount %s with flags %#x: %w", f.Name(), flags, err)
	}
	return nil
}

// Bind mounts get their per-mount flags the way runc (>= 1.2) gives them, the intent of
// `mount --bind -o OPTS`: a bind with no flag option at all is not remounted, so it
// keeps every flag of its source (a nosymfollow source stays nosymfollow); once any
// flag option is given, set or cleared, the mount gets exactly the flags asked for, and
// the ro, nosuid, nodev, noexec and nosymfollow it did not ask for are cleared. The
// atime mode is kept when none is asked (the kernel does that for a remount).
//
// In a user namespace flags inherited from a more privileged mount are locked and a
// remount that drops them fails with EPERM: the remount is then retried keeping the
// locked flags, unless the config asked explicitly for one of them to be off ("rw",
// "suid"...) or for another atime mode, which would silently not be what was asked.

// bindFlagsWanted is the remount for a bind with the requested (set) and cleared flags;
// needed is false when no flag option was given.
func bindFlagsWanted(requested, cleared uintptr) (flags uintptr, needed bool) {
	needed = requested&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) != 0 || cleared != 0
	return unix.MS_REMOUNT | unix.MS_BIND | requested&perMountFlags, needed
}

// lockedRetryFlags is the retry of a refused bind remount (flags) on a mount whose
// current flags are cur; ok is false when keeping the locked flags would contradict
// what the config asked.
func lockedRetryFlags(flags, cur, requested, cleared uintptr) (retry uintptr, ok bool) {
	locked := cur & (lockableFlags | atimeFlags)
	// statfs has no flag for strictatime: it is the mode with no other atime flag.
	if locked&(unix.MS_NOATIME|unix.MS_RELATIME) == 0 {
		locked |= unix.MS_STRICTATIME
	}
	if locked&cleared&lockableFlags != 0 {
		return 0, false
	}
	if requested&atimeFlags != 0 && requested&atimeFlags != locked&atimeFlags {
		return 0, false
	}
	return flags | locked, true
}

// applyBindFlags remounts the bind mount at f with the flags asked for (see above).
func applyBindFlags(f *os.File, requested, cleared uintptr) error {
	flags, needed := bindFlagsWanted(requested, cleared)
	if !needed {
		return nil
	}
	err := sys.Mount("", fdPath(f), "", flags, "")
	if err == nil || !errors.Is(err, unix.EPERM) {
		if err != nil {
			return fmt.Errorf("remount %s with flags %#x: %w", f.Name(), flags, err)
		}
		return nil
	}
	cur, serr := mountFlagsOf(f)
	if serr != nil {
		return serr
	}
	retry, ok := lockedRetryFlags(flags, cur, requested, cleared)
	if !ok {
		return fmt.Errorf("remount %s with flags %#x: %w (its locked flags %#x cannot be dropped as asked)", f.Name(), flags, err, cur&(lockableFlags|atimeFlags))
	}
	if err := sys.Mount("", fdPath(f), "", retry, ""); err != nil {
		return fmt.Errorf("remount %s with flags %#x, keeping its locked flags: %w", f.Name(), retry, err)
	}
	return nil
}
