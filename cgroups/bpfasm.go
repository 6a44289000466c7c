package cgroups

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// The device filter uses eight kinds of eBPF instruction, written here as struct
// bpf_insn (Documentation/bpf/standardization/instruction-set.rst) rather than with
// cilium/ebpf/asm, whose package init pulls in an ELF, DWARF and zstd reader (0.4 MB of
// binary). The tests decode the result with asm, so the encoding is checked against it.

// bpfInsn is one instruction. A jump names the label of its target (jumpTo); assemble
// turns that into the offset.
type bpfInsn struct {
	code     uint8
	dst, src uint8
	off      int16
	imm      int32
	label    string // this instruction's label, if a jump goes here
	jumpTo   string
}

// Registers (r0: return value, r1: the context).
const (
	bpfR0 = iota
	bpfR1
	bpfR2
	bpfR3
	bpfR4
	bpfR5
	bpfR6
)

// loadWord: dst = *(u32 *)(src + off).
func loadWord(dst, src uint8, off int16) bpfInsn {
	return bpfInsn{code: unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W, dst: dst, src: src, off: off}
}

// movReg32: dst = (u32)src.
func movReg32(dst, src uint8) bpfInsn {
	return bpfInsn{code: unix.BPF_ALU | unix.BPF_MOV | unix.BPF_X, dst: dst, src: src}
}

// movImm32: dst = (u32)imm.
func movImm32(dst uint8, imm int32) bpfInsn {
	return bpfInsn{code: unix.BPF_ALU | unix.BPF_MOV | unix.BPF_K, dst: dst, imm: imm}
}

// rshImm32: dst = (u32)dst >> imm.
func rshImm32(dst uint8, imm int32) bpfInsn {
	return bpfInsn{code: unix.BPF_ALU | unix.BPF_RSH | unix.BPF_K, dst: dst, imm: imm}
}

// andImm32: dst = (u32)dst & imm.
func andImm32(dst uint8, imm int32) bpfInsn {
	return bpfInsn{code: unix.BPF_ALU | unix.BPF_AND | unix.BPF_K, dst: dst, imm: imm}
}

// jneImm: if dst != imm goto label.
func jneImm(dst uint8, imm int32, label string) bpfInsn {
	return bpfInsn{code: unix.BPF_JMP | unix.BPF_JNE | unix.BPF_K, dst: dst, imm: imm, jumpTo: label}
}

// jeqImm: if dst == imm goto label.
func jeqImm(dst uint8, imm int32, label string) bpfInsn {
	return bpfInsn{code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, dst: dst, imm: imm, jumpTo: label}
}

// exit returns r0.
func exit() bpfInsn { return bpfInsn{code: unix.BPF_JMP | unix.BPF_EXIT} }

func (i bpfInsn) withLabel(l string) bpfInsn {
	i.label = l
	return i
}

const bpfInsnSize = 8

// assemble encodes insns (little-endian: berth's targets are amd64 and arm64), with each
// jump's offset counted from the instruction after it. Only forward jumps are made.
func assemble(insns []bpfInsn) ([]byte, error) {
	at := map[string]int{}
	for i, ins := range insns {
		if ins.label != "" {
			at[ins.label] = i
		}
	}
	out := make([]byte, 0, len(insns)*bpfInsnSize)
	for i, ins := range insns {
		if ins.jumpTo != "" {
			t, ok := at[ins.jumpTo]
			if !ok || t <= i || t-i-1 > 1<<15-1 {
				return nil, fmt.Errorf("instruction %d: jump to %q cannot be encoded", i, ins.jumpTo)
			}
			ins.off = int16(t - i - 1)
		}
		out = append(out, ins.code, ins.dst&0xf|ins.src<<4)
		out = binary.LittleEndian.AppendUint16(out, uint16(ins.off))
		out = binary.LittleEndian.AppendUint32(out, uint32(ins.imm))
	}
	return out, nil
}
