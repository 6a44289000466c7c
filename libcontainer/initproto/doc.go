// Package initproto is the conversation between the parent (`berth create`, `berth
// exec`, on the host) and `berth init` (inside the container's namespaces): the message
// types, what they carry, and the channel both ends speak over. Both sides import it;
// it imports neither.
//
// The parent and init talk over one socketpair, one message after the other:
//
//	| # | from   | type          | when / meaning                                             |
//	|---|--------|---------------|------------------------------------------------------------|
//	| 1 | parent | config        | init started in its namespaces; here is what to build      |
//	| 2 | parent | cgroup-placed | init is in the container's cgroup (create mode): it may    |
//	|   |        |               | unshare its cgroup namespace and start building            |
//	| ² | init   | seccomp-agent | a notify profile: the parent connects to listenerPath and  |
//	|   |        |               | answers with the connection (an fd)                        |
//	| ¹ | init   | mount-sources | the parent answers with one fd per MountSources entry      |
//	| 3 | init   | mounts-done   | rootfs mounted, not pivoted: run prestart + createRuntime  |
//	| 4 | parent | hooks-done    | those hooks succeeded (carries the compiled seccomp filter)|
//	| 5 | init   | ready         | createContainer hooks ran, root pivoted, process prepared  |
//	| 6 | parent | committed     | state.json saved: drop the parent-death signal             |
//	| 7 | init   | committed     | dropped; init now waits on exec.sock for `berth start`     |
//	| * | init   | error         | any step failed; init exits, the parent cleans up          |
//
// ¹ only for idmapped mounts and, in a user namespace, binds of host paths: the parent
// holds the runtime's privileges to make them and sends detached (for idmapped mounts,
// mapped) clones (SCM_RIGHTS, see libcontainer/idmapmounts.go).
//
// ² only when the container's seccomp profile notifies, in both modes.
//
// For `berth exec` (ModeExec) init is already in the container: it answers config with
// ready (after sending the pty master, if any) and execs the process at once.
//
// With --debug (InitConfig.Debug) init records its stages and sends those it finished
// with each message (Message.Stages); the parent logs them as its own.
//
// Every wait on the parent's end has a deadline (Timeout, BERTH_INIT_TIMEOUT). See
// docs/nsenter.md for the raw stages before init runs.
package initproto
