package caps

import (
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// Apply sets the calling thread's capabilities to c: bounding set first, then
// effective/permitted/inheritable, then ambient. A nil c means every set empty.
//
// It is meant for `berth init` right before execve, after the uid/gid switch (with
// PR_SET_KEEPCAPS held by the caller so the permitted set survived it). Capabilities are
// per thread, so the calling goroutine is locked to its thread and left locked: a thread
// with changed capabilities must never go back to the Go scheduler's pool.
func Apply(c *configs.Capabilities) error {
	runtime.LockOSThread()
	if c == nil {
		c = &configs.Capabilities{}
	}
	last := Last()

	cur, err := getSets()
	if err != nil {
		return err
	}
	// A switch away from uid 0 empties the effective set even with KEEPCAPS; raising all
	// permitted caps again gives back CAP_SETPCAP, which shrinking the bounding set needs.
	if err := setSets(sets{effective: cur.permitted, permitted: cur.permitted, inheritable: cur.inheritable}); err != nil {
		return fmt.Errorf("raise effective capabilities: %w", err)
	}
	if err := applyBounding(c.Bounding, last); err != nil {
		return err
	}
	want := sets{
		effective:   maskOf(c.Effective, last),
		permitted:   maskOf(c.Permitted, last),
		inheritable: maskOf(c.Inheritable, last),
	}
	if err := explainImpossible(want, cur.permitted); err != nil {
		return err
	}
	if err := setSets(want); err != nil {
		return fmt.Errorf("set capabilities (effective %s, permitted %s, inheritable %s): %w",
			describe(want.effective), describe(want.permitted), describe(want.inheritable), err)
	}
	return applyAmbient(c.Ambient, want.permitted&want.inheritable, last)
}

// explainImpossible names the capabilities the kernel would refuse in capset, which
// otherwise only says EPERM: the permitted set can only shrink, and effective must be
// a subset of it.
func explainImpossible(want sets, held uint64) error {
	if extra := want.permitted &^ held; extra != 0 {
		return fmt.Errorf("set capabilities: permitted %s not held by berth itself, so they cannot be granted", describe(extra))
	}
	if extra := want.effective &^ want.permitted; extra != 0 {
		return fmt.Errorf("set capabilities: effective %s not in the permitted set", describe(extra))
	}
	return nil
}

// sets holds three capability sets as bit masks (bit n = capability n).
type sets struct {
	effective, permitted, inheritable uint64
}

func getSets() (sets, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3} // Pid 0: this thread
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return sets{}, fmt.Errorf("capget: %w", err)
	}
	join := func(lo, hi uint32) uint64 { return uint64(lo) | uint64(hi)<<32 }
	return sets{
		effective:   join(data[0].Effective, data[1].Effective),
		permitted:   join(data[0].Permitted, data[1].Permitted),
		inheritable: join(data[0].Inheritable, data[1].Inheritable),
	}, nil
}

// setSets calls capset(2) for the current thread only (unix.Capset is a raw syscall).
func setSets(s sets) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	data := [2]unix.CapUserData{
		{Effective: uint32(s.effective), Permitted: uint32(s.permitted), Inheritable: uint32(s.inheritable)},
		{Effective: uint32(s.effective >> 32), Permitted: uint32(s.permitted >> 32), Inheritable: uint32(s.inheritable >> 32)},
	}
	return unix.Capset(&hdr, &data[0])
}

// applyBounding drops every capability up to last that keep does not list. Capabilities
// already out of the bounding set are skipped, so an unprivileged caller whose bounding
// set is already small enough needs no CAP_SETPCAP.
func applyBounding(keep []int, last int) error {
	kept := maskOf(keep, last)
	for n := 0; n <= last; n++ {
		if kept&(1<<uint(n)) != 0 {
			continue
		}
		in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0)
		if err != nil {
			return fmt.Errorf("read bounding set for %s: %w", Name(n), err)
		}
		if in == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0); err != nil {
			return fmt.Errorf("drop %s from the bounding set: %w", Name(n), err)
		}
	}
	return nil
}

// applyAmbient clears the ambient set and raises the listed capabilities that are in
// allowed (permitted and inheritable: the kernel refuses others). Like runc, berth skips
// the rest instead of failing: `spec` templates commonly list ambient capabilities
// without inheritable ones, and containers run with them everywhere.
func applyAmbient(raise []int, allowed uint64, last int) error {
	err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	if err != nil {
		// Kernels before 4.3 have no ambient set: nothing to clear, nothing can be raised.
		if errors.Is(err, unix.EINVAL) && len(raise) == 0 {
			return nil
		}
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	for _, n := range raise {
		if n < 0 || n > last || allowed&(1<<uint(n)) == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(n), 0, 0); err != nil {
			return fmt.Errorf("raise ambient %s (it must be permitted and inheritable): %w", Name(n), err)
		}
	}
	return nil
}

// maskOf turns a list of capability numbers into a bit mask, leaving out any the running
// kernel does not have (so a profile written for a newer kernel still applies).
func maskOf(list []int, last int) uint64 {
	var m uint64
	for _, n := range list {
		if n >= 0 && n <= last && n < 64 {
			m |= 1 << uint(n)
		}
	}
	return m
}

// describe renders a mask as capability names, for error messages.
func describe(m uint64) string {
	s := "["
	for n := 0; n < 64; n++ {
		if m&(1<<uint(n)) == 0 {
			continue
		}
		if len(s) > 1 {
			s += " "
		}
		s += Name(n)
	}
	return s + "]"
}

// Mask is the bit mask of list (capabilities above last left out), as Apply builds it.
func Mask(list []int, last int) uint64 { return maskOf(list, last) }

// Possible tells, before any process is made, whether Apply could set these sets from
// the calling thread's permitted set, with Apply's error when not.
func Possible(effective, permitted, inheritable uint64) error {
	cur, err := getSets()
	if err != nil {
		return err
	}
	return explainImpossible(sets{effective: effective, permitted: permitted, inheritable: inheritable}, cur.permitted)
}
