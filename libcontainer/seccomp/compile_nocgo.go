//go:build !cgo

package seccomp

import "golang.org/x/sys/unix"

// compiledIn: a build without cgo has no libseccomp to compile filters with. Such a
// berth still validates profiles, and refuses to create a container that has one.
const compiledIn = false

func compile(*plan) ([]unix.SockFilter, error) { return nil, errNotCompiledIn }

func archSupport(string) (known, withNative bool) { return false, false }

func nativeArch() string { return "unknown" }

func libVersion() string { return "none" }
