// Package nsenter starts a process inside a set of namespaces without cgo.
//
// The kernel refuses setns(CLONE_NEWUSER) and setns(CLONE_NEWTIME) in a multi-threaded
// process, and setns(CLONE_NEWNS) in one that shares its fs_struct: a Go program is always
// multi-threaded, so it can never join those namespaces itself. Instead Spawn forks with a
// raw clone, the way the standard library's forkExec does, and the single-threaded child
// runs raw system calls only (no allocation, no locks, no stack growth) to join and create
// namespaces, forks once more so the last stage lands in new pid and time namespaces, and
// executes `berth init` from a file descriptor. The Go runtime of init thus starts inside
// every namespace and never calls setns. See docs/nsenter.md for the stages and messages.
package nsenter
