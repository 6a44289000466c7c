#include "textflag.h"

// planSignalExit is a raw signal handler for the last stage in plan mode: it never
// returns, it ends the process with exit_group(128 + signal), as a shell reports.
TEXT ·planSignalExit(SB),NOSPLIT|NOFRAME,$0-0
	ADDQ	$128, DI
	MOVL	$231, AX // exit_group
	SYSCALL
	INT	$3
	// The end marker: the exec program copies these bytes as its handler (dmz.go).
	BYTE $0x0f; BYTE $0x0b; BYTE $0x42; BYTE $0x45; BYTE $0x52; BYTE $0x54; BYTE $0x48; BYTE $0x21

// func planSignalExitPC() uintptr
TEXT ·planSignalExitPC(SB),NOSPLIT,$0-8
	LEAQ	·planSignalExit(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
