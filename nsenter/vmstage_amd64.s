#include "textflag.h"

// func vmClone(nr, a1, a2, a3, a4, a5, entry uintptr, arg unsafe.Pointer) (r1 uintptr, errno syscall.Errno)
//
// The child returns from the system call on the new stack the kernel switched it to: it
// touches nothing of the parent's frame, calls entry(arg) (an ABI0 function: the
// argument on the stack) and, should that return, exits.
TEXT ·vmClone(SB),NOSPLIT|NOFRAME,$0-80
	MOVQ	entry+48(FP), R13
	MOVQ	arg+56(FP), R12
	MOVQ	a1+8(FP), DI
	MOVQ	a2+16(FP), SI
	MOVQ	a3+24(FP), DX
	MOVQ	a4+32(FP), R10
	MOVQ	a5+40(FP), R8
	MOVQ	nr+0(FP), AX
	SYSCALL
	TESTQ	AX, AX
	JEQ	child
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	NEGQ	AX
	MOVQ	$0, r1+64(FP)
	MOVQ	AX, errno+72(FP)
	RET
ok:
	MOVQ	AX, r1+64(FP)
	MOVQ	$0, errno+72(FP)
	RET
child:
	ANDQ	$~15, SP
	SUBQ	$16, SP
	MOVQ	R12, 0(SP)
	CALL	R13
	MOVL	$254, DI
	MOVL	$231, AX // exit_group
	SYSCALL
	INT	$3

// func vmStage1PC() uintptr
TEXT ·vmStage1PC(SB),NOSPLIT,$0-8
	LEAQ	·vmStage1(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func vmLastPC() uintptr
TEXT ·vmLastPC(SB),NOSPLIT,$0-8
	LEAQ	·vmLast(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
