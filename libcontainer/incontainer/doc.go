// Package incontainer is `berth init`: the code that runs inside the container's
// namespaces, after nsenter's raw stages put it there. It receives its config from the
// parent (libcontainer, on the host) over the initproto channel, builds the root
// (package rootfs), sets names, the terminal, process attributes, user and
// capabilities, runs the in-container hooks (createContainer, startContainer), waits
// for `berth start` on exec.sock and execs the user process.
//
// Everything here may be looked at, and raced, by the container: keep host paths, host
// fds and host privileges out of it beyond what each step needs (docs/security.md).
// The package imports nothing of the host side (libcontainer); what both sides share
// lives in small packages (initproto, configs, hooks, pty, fdpass, seccomp, stagelog).
package incontainer
