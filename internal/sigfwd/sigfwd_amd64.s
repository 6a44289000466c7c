#include "textflag.h"

// handler is the forwarding signal handler: the kernel calls it with the signal's number
// in DI. It writes that number, one byte, to the pipe and returns; a full pipe drops it
// (the write end is non-blocking). Every register it touches is restored by rt_sigreturn.
TEXT ·handler(SB),NOSPLIT|NOFRAME,$0-0
	SUBQ	$8, SP
	MOVB	DI, 0(SP)
	MOVQ	·writeFd(SB), DI
	MOVQ	SP, SI
	MOVL	$1, DX
	MOVL	$1, AX // write
	SYSCALL
	ADDQ	$8, SP
	RET

// restorer returns from the handler (SA_RESTORER: the kernel jumps here).
TEXT ·restorer(SB),NOSPLIT|NOFRAME,$0-0
	MOVL	$15, AX // rt_sigreturn
	SYSCALL
	INT	$3

// func handlerPC() uintptr
TEXT ·handlerPC(SB),NOSPLIT,$0-8
	LEAQ	·handler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func restorerPC() uintptr
TEXT ·restorerPC(SB),NOSPLIT,$0-8
	LEAQ	·restorer(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
