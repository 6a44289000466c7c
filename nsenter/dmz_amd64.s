#include "textflag.h"
#include "marker_amd64.h"

// The exec program (dmz.go) for amd64. Its bytes are copied out of this binary into a
// small static ELF that loads at dmzBase, so the code must not refer to any symbol:
// absolute addresses are constants of that layout (PARAMS below), and jumps stay inside
// the function. It never returns; it ends with the MARKER functionBytes scans for.

#define PARAMS 0x400080 // dmzBase + dmzParamsOff

// Offsets in dmzParams (dmz.go; TestDMZParamsLayout keeps the two in step).
#define P_SIGACT 0
#define P_FPROG 32
#define P_FLAGS 48
#define P_REPORT 56
#define P_GO 60
#define P_LISTEN 64
#define P_NSIGS 68
#define P_SIGS 72
#define P_WAITING 104
#define P_COMMITTED 120
#define P_CONN 136
#define P_ATTRFD 140
#define P_ATTRLEN 144
#define P_NNP 148
#define ATTR 0x408400 // dmzBase + dmzAttrOff
#define ATTRPATH1 0x408700 // ATTR + dmzAttrPath1
#define ATTRPATH2 0x408780 // ATTR + dmzAttrPath2

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_fcntl 72
#define SYS_rt_sigaction 13
#define SYS_execve 59
#define SYS_prctl 157
#define SYS_exit_group 231
#define SYS_accept4 288
#define SYS_seccomp 317
#define SYS_openat 257

#define PR_SET_PDEATHSIG 1
#define PR_SET_DUMPABLE 4
#define PR_SET_NO_NEW_PRIVS 38
#define SOCK_CLOEXEC 0x80000
#define EINTR 4
#define ENOENT 2
#define O_WRONLY_CLOEXEC 0x80001

// dmzProgram: the process's argv[0] is the path to execute, the rest its argv. At entry
// SP points at argc, then argv, NULL, envp (the System V process start).
TEXT ·dmzProgram(SB),NOSPLIT|NOFRAME,$0-0
	MOVQ	$PARAMS, R12

	// What would end init ends the waiting process too (sigexit.go): exec reset the
	// stage's handlers, the program installs its own (the handler before it, dmz.go).
	XORL	R13, R13
sigs:
	CMPL	R13, P_NSIGS(R12)
	JGE	nodump
	MOVL	P_SIGS(R12)(R13*4), DI
	LEAQ	P_SIGACT(R12), SI
	XORL	DX, DX
	MOVL	$8, R10
	MOVL	$SYS_rt_sigaction, AX
	SYSCALL
	INCL	R13
	JMP	sigs

nodump:
	// Out of reach of the container's other processes while it waits (not ptraceable,
	// its /proc files root's): it holds the runtime's pipes and exec.sock. The exec of
	// the process makes it dumpable again, as usual.
	MOVL	$PR_SET_DUMPABLE, DI
	XORL	SI, SI
	MOVL	$SYS_prctl, AX
	SYSCALL

	// Set up: tell the parent (the "waiting" record).
	MOVLQSX	P_REPORT(R12), DI
	LEAQ	P_WAITING(R12), SI
	MOVL	$16, DX
	MOVL	$SYS_write, AX
	SYSCALL
	CMPQ	AX, $16
	JNE	exit1

	// Until the parent has saved the container, its death is ours (end of file): nothing
	// of a create that died half-way is left waiting for a start.
commit:
	MOVLQSX	P_GO(R12), DI
	LEAQ	-8(SP), SI
	MOVL	$1, DX
	MOVL	$SYS_read, AX
	SYSCALL
	CMPQ	AX, $-EINTR
	JEQ	commit
	CMPQ	AX, $1
	JNE	exit1
	MOVLQSX	P_GO(R12), DI
	MOVL	$SYS_close, AX
	SYSCALL
	MOVL	$PR_SET_PDEATHSIG, DI
	XORL	SI, SI
	MOVL	$SYS_prctl, AX
	SYSCALL
	// Tell the parent ("committed"): `create` may exit now without taking us along. A
	// parent gone meanwhile changes nothing: the container is saved.
	MOVLQSX	P_REPORT(R12), DI
	LEAQ	P_COMMITTED(R12), SI
	MOVL	$16, DX
	MOVL	$SYS_write, AX
	SYSCALL
	MOVLQSX	P_REPORT(R12), DI
	MOVL	$SYS_close, AX
	SYSCALL

	// Wait for `berth start`. Its connection is close-on-exec: it ends when the process
	// runs, which is when start returns. `berth exec` gave the connection instead.
	MOVLQSX	P_LISTEN(R12), DI
	CMPQ	DI, $0
	JGE	accept
	MOVLQSX	P_CONN(R12), BX
	MOVQ	BX, DI
	MOVL	$2, SI // F_SETFD
	MOVL	$1, DX // FD_CLOEXEC
	MOVL	$SYS_fcntl, AX
	SYSCALL
	JMP	ack
accept:
	MOVLQSX	P_LISTEN(R12), DI
	XORL	SI, SI
	XORL	DX, DX
	MOVL	$SOCK_CLOEXEC, R10
	MOVL	$SYS_accept4, AX
	SYSCALL
	CMPQ	AX, $-EINTR
	JEQ	accept
	CMPQ	AX, $0
	JLT	exit127
	MOVQ	AX, BX
	MOVLQSX	P_LISTEN(R12), DI
	MOVL	$SYS_close, AX
	SYSCALL

	// The byte says we are past every check.
ack:
	MOVB	$0, -8(SP)
	MOVQ	BX, DI
	LEAQ	-8(SP), SI
	MOVL	$1, DX
	MOVL	$SYS_write, AX
	SYSCALL

	// The LSM label the process runs with (AppArmor's "exec <profile>", SELinux's
	// context), for the next execve: the process's. The file is opened here, under the
	// container's proc instance: the kernel takes the write only from the credentials
	// that opened it. Before the filter, which may refuse these calls.
	MOVLQSX	P_ATTRFD(R12), DI
	CMPQ	DI, $0
	JLT	filter
	MOVQ	$ATTRPATH1, SI
	MOVL	$O_WRONLY_CLOEXEC, DX
	XORL	R10, R10
	MOVL	$SYS_openat, AX
	SYSCALL
	CMPQ	AX, $-ENOENT
	JNE	attropened
	MOVQ	$ATTRPATH2, SI
	MOVBLZX	(SI), CX
	TESTL	CX, CX
	JEQ	attropened
	MOVLQSX	P_ATTRFD(R12), DI
	MOVL	$O_WRONLY_CLOEXEC, DX
	XORL	R10, R10
	MOVL	$SYS_openat, AX
	SYSCALL
attropened:
	CMPQ	AX, $0
	JLT	attrfailed
	MOVQ	AX, R13
	MOVQ	AX, DI
	MOVQ	$ATTR, SI
	MOVLQSX	P_ATTRLEN(R12), DX
	MOVL	$SYS_write, AX
	SYSCALL
	CMPQ	AX, $0
	JLT	attrfailed
	MOVQ	R13, DI
	MOVL	$SYS_close, AX
	SYSCALL
	MOVLQSX	P_ATTRFD(R12), DI
	MOVL	$SYS_close, AX
	SYSCALL

	// no_new_privs after the label (AppArmor refuses a profile change under it), before
	// the filter (which needs it unless loaded by the stage).
filter:
	MOVL	P_NNP(R12), AX
	TESTL	AX, AX
	JEQ	seccomp
	MOVL	$PR_SET_NO_NEW_PRIVS, DI
	MOVL	$1, SI
	XORL	DX, DX
	XORL	R10, R10
	XORL	R8, R8
	MOVL	$SYS_prctl, AX
	SYSCALL
	TESTQ	AX, AX
	JNE	failed

	// With no_new_privs the filter comes last: the profile then sees only the execve.
seccomp:
	MOVWLZX	P_FPROG(R12), AX
	TESTL	AX, AX
	JEQ	exec
	MOVL	$1, DI // SECCOMP_SET_MODE_FILTER
	MOVQ	P_FLAGS(R12), SI
	LEAQ	P_FPROG(R12), DX
	MOVL	$SYS_seccomp, AX
	SYSCALL
	TESTQ	AX, AX
	JNE	failed

exec:
	MOVQ	8(SP), DI          // argv[0]: the path
	LEAQ	16(SP), SI         // &argv[1]
	MOVQ	0(SP), AX          // argc
	LEAQ	16(SP)(AX*8), DX   // envp
	MOVL	$SYS_execve, AX
	SYSCALL

failed:
	// Tell start: 0xff (the execve) and the errno.
	NEGQ	AX
	MOVB	AX, -1(SP)
	MOVB	$0xff, -2(SP)
tell:
	MOVQ	BX, DI
	LEAQ	-2(SP), SI
	MOVL	$2, DX
	MOVL	$SYS_write, AX
	SYSCALL
exit127:
	MOVL	$127, DI
	MOVL	$SYS_exit_group, AX
	SYSCALL
exit1:
	MOVL	$1, DI
	MOVL	$SYS_exit_group, AX
	SYSCALL
attrfailed:
	// Tell start: 0xfe (the LSM attribute) and the errno.
	NEGQ	AX
	MOVB	AX, -1(SP)
	MOVB	$0xfe, -2(SP)
	JMP	tell
	INT	$3
	MARKER

// func dmzProgramPC() uintptr
TEXT ·dmzProgramPC(SB),NOSPLIT,$0-8
	LEAQ	·dmzProgram(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
