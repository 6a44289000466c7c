package cgroups

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/cilium/ebpf/asm"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// decodeProgram assembles insns and decodes the bytes with cilium/ebpf's asm: the
// encoding is checked against an independent decoder, and the interpreter below runs
// what the kernel would get.
func decodeProgram(t *testing.T, insns []bpfInsn) asm.Instructions {
	t.Helper()
	code, err := assemble(insns)
	if err != nil {
		t.Fatalf("program does not assemble: %v", err)
	}
	out, err := asm.AppendInstructions(nil, bytes.NewReader(code), binary.LittleEndian, "linux")
	if err != nil {
		t.Fatalf("asm cannot decode the program: %v", err)
	}
	if len(out) != len(insns) {
		t.Fatalf("%d instructions decoded from %d", len(out), len(insns))
	}
	return out
}

// runDeviceProgram interprets the subset of eBPF that deviceProgram emits, so the generated
// program's decisions are checked without root or a kernel.
func runDeviceProgram(t *testing.T, program []bpfInsn, typ, major, minor, access uint32) uint64 {
	t.Helper()
	insns := decodeProgram(t, program)
	ctx := [3]uint32{typ | access<<16, major, minor}
	var r [11]uint64
	for pc, steps := 0, 0; steps < 10000; steps++ {
		if pc >= len(insns) {
			t.Fatalf("fell off the program at %d", pc)
		}
		ins := insns[pc]
		op := ins.OpCode
		switch cls := op.Class(); {
		case cls == asm.LdXClass:
			r[ins.Dst] = uint64(ctx[ins.Offset/4])
		case cls.IsALU():
			v := uint64(uint32(ins.Constant))
			if op.Source() == asm.RegSource {
				v = r[ins.Src]
			}
			switch op.ALUOp() {
			case asm.Mov:
				r[ins.Dst] = v
			case asm.And:
				r[ins.Dst] &= v
			case asm.RSh:
				r[ins.Dst] >>= v
			default:
				t.Fatalf("unexpected ALU op %v", ins)
			}
			if cls == asm.ALUClass {
				r[ins.Dst] = uint64(uint32(r[ins.Dst]))
			}
		case cls.IsJump():
			taken := false
			switch op.JumpOp() {
			case asm.Exit:
				return r[0]
			case asm.JNE:
				taken = r[ins.Dst] != uint64(ins.Constant)
			case asm.JEq:
				taken = r[ins.Dst] == uint64(ins.Constant)
			default:
				t.Fatalf("unexpected jump %v", ins)
			}
			if taken {
				pc += int(ins.Offset)
			}
		default:
			t.Fatalf("unexpected instruction %v", ins)
		}
		pc++
	}
	t.Fatal("program did not exit")
	return 0
}

func TestDeviceProgramDecisions(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	rules := []specs.LinuxDeviceCgroup{
		{Allow: false, Type: "a", Access: "rwm"},                          // deny all
		{Allow: true, Type: "c", Major: i(1), Minor: i(3), Access: "rwm"}, // /dev/null
		{Allow: true, Type: "c", Major: i(136), Access: "rw"},             // ptys, no mknod
		{Allow: true, Type: "b", Major: i(8), Minor: i(0), Access: "r"},   // sda read-only
		{Allow: true, Type: "a", Access: "m"},                             // mknod of anything
		{Allow: false, Type: "c", Major: i(1), Minor: i(3), Access: "w"},  // but no writes to null
	}
	insns, err := deviceProgram(rules)
	if err != nil {
		t.Fatal(err)
	}
	R, W, M := uint32(devAccRead), uint32(devAccWrite), uint32(devAccMknod)
	C, B := uint32(devTypeChar), uint32(devTypeBlock)
	cases := []struct {
		name                      string
		typ, major, minor, access uint32
		want                      uint64
	}{
		{"null read", C, 1, 3, R, 1},
		{"null write: the later deny wins", C, 1, 3, W, 0},
		{"null read+write: denied as a whole", C, 1, 3, R | W, 0},
		{"pty 5 read/write", C, 136, 5, R | W, 1},
		{"pty mknod: via the mknod-anything rule", C, 136, 5, M, 1},
		{"sda read", B, 8, 0, R, 1},
		{"sda write", B, 8, 0, W, 0},
		{"sdb read", B, 8, 16, R, 0},
		{"zero read: nothing allows it", C, 1, 5, R, 0},
		{"block mknod", B, 9, 9, M, 1},
	}
	for _, c := range cases {
		if got := runDeviceProgram(t, insns, c.typ, c.major, c.minor, c.access); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

func TestDeviceProgramStopsAtUnconditionalRule(t *testing.T) {
	insns, err := deviceProgram([]specs.LinuxDeviceCgroup{
		{Allow: true, Type: "c", Access: "r"},
		{Allow: true, Type: "a", Access: "rwm"}, // allow all: nothing before it matters
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := runDeviceProgram(t, insns, devTypeBlock, 8, 0, devAccWrite); got != 1 {
		t.Errorf("allow-all program denied")
	}
	if len(insns) != 8 {
		t.Errorf("want prologue + one verdict (8 instructions), got %d:\n%v", len(insns), insns)
	}
	// Nothing at all: deny everything.
	insns, _ = deviceProgram(nil)
	if got := runDeviceProgram(t, insns, devTypeChar, 1, 3, devAccRead); got != 0 {
		t.Error("empty rule list allowed a device")
	}
	if _, err := deviceProgram([]specs.LinuxDeviceCgroup{{Type: "x"}}); err == nil {
		t.Error("bad type accepted")
	}
}
