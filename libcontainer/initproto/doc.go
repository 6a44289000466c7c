// Package initproto is the conversation between the parent (`berth create`, `berth
// exec`, on the host) and `berth init` (inside the container's namespaces): the message
// types, what they carry, and the channel both ends speak over. Both sides import it;
// it imports neither.
//
// The parent and init talk over one SOCK_SEQPACKET socketpair (Socketpair): each
// message is one packet of JSON, and the fds a message needs travel in the same
// sendmsg (SCM_RIGHTS), so an fd can only ever arrive with the message that names it,
// and a message that takes none refuses any. Each side has one method per step
// (Parent, Init):
//
//	| # | from   | type               | fds | when / meaning                                  |
//	|---|--------|--------------------|-----|-------------------------------------------------|
//	| 1 | parent | config             |     | init started in its namespaces; here is what to |
//	|   |        |                    |     | build (create) or run (exec)                    |
//	| 2 | parent | cgroup-placed      |     | init is in the container's cgroup (create): it  |
//	|   |        |                    |     | may unshare its cgroup namespace and build      |
//	| ² | init   | seccomp-agent      |     | a notify profile: connect to listenerPath       |
//	| ² | parent | seccomp-agent-conn | 1   | the connection to the agent                     |
//	| ¹ | init   | mount-sources      |     | send the trees for InitConfig.MountSources      |
//	| ¹ | parent | mount-source       | 1   | one per listed mount, in order, naming it       |
//	|   |        |                    |     | (Message.Mount)                                 |
//	| 3 | init   | mounts-done        |     | rootfs mounted, not pivoted: run prestart and   |
//	|   |        |                    |     | createRuntime hooks                             |
//	| 4 | parent | hooks-done         |     | those hooks succeeded; the compiled seccomp     |
//	|   |        |                    |     | filter (Message.Seccomp)                        |
//	| 5 | init   | ready              |     | createContainer hooks ran, root pivoted,        |
//	|   |        |                    |     | process prepared                                |
//	| 6 | parent | committed          |     | state.json saved: drop the parent-death signal  |
//	| 7 | init   | committed          |     | dropped; init now waits on exec.sock for start  |
//	| * | init   | error              |     | any step failed; init exits, the parent cleans  |
//	|   |        |                    |     | up (Message.Error)                              |
//
// ¹ only for idmapped mounts and, in a user namespace, binds of host paths: the parent
// holds the runtime's privileges to make them and sends detached (for idmapped mounts,
// mapped) clones (see libcontainer/idmapmounts.go).
//
// ² only when the container's seccomp profile notifies, in both modes.
//
// A packet may be as large as the sender's socket buffer: Socketpair asks for 4 MiB
// (about 8 MiB packets; a rootless runtime gets the kernel's wmem_max), and a message
// that does not fit fails with an error naming its size.
//
// For `berth exec` (ModeExec) init is already in the container: it answers config with
// ready (after sending the pty master, if any, over the console socket) and execs the
// process at once.
//
// With --debug (InitConfig.Debug) init records its stages and sends those it finished
// with each message (Message.Stages); the parent logs them as its own.
//
// Every wait on the parent's end has a deadline (Timeout, BERTH_INIT_TIMEOUT). See
// docs/nsenter.md for the raw stages before init runs.
package initproto
