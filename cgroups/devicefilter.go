package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The context a BPF_PROG_TYPE_CGROUP_DEVICE program gets (struct bpf_cgroup_dev_ctx):
// access_type (type in the low 16 bits, access bits above), major, minor; all u32.
const (
	devCtxAccessType = 0
	devCtxMajor      = 4
	devCtxMinor      = 8

	devTypeBlock = 1 // BPF_DEVCG_DEV_BLOCK
	devTypeChar  = 2 // BPF_DEVCG_DEV_CHAR

	devAccMknod = 1 // BPF_DEVCG_ACC_MKNOD
	devAccRead  = 2 // BPF_DEVCG_ACC_READ
	devAccWrite = 4 // BPF_DEVCG_ACC_WRITE
	devAccAll   = devAccMknod | devAccRead | devAccWrite
)

// deviceProgram compiles device rules into a cgroup device program. The rules are checked from the
// last to the first and the first match decides, so a later rule overrides an earlier one (as in a
// rule list applied in order); a request no rule matches is denied. An allow rule matches when it
// grants every access bit the request asks for; a deny rule when it names any of them.
func deviceProgram(rules []specs.LinuxDeviceCgroup) ([]bpfInsn, error) {
	insns := []bpfInsn{
		loadWord(bpfR2, bpfR1, devCtxAccessType),
		movReg32(bpfR3, bpfR2),
		rshImm32(bpfR3, 16),     // R3: requested access bits
		andImm32(bpfR2, 0xffff), // R2: device type
		loadWord(bpfR4, bpfR1, devCtxMajor),
		loadWord(bpfR5, bpfR1, devCtxMinor),
	}
	// Block i is labelled rule<i>; when it does not match it jumps to rule<i-1>, the rule before it,
	// and rule-1 is the final deny.
	for i := len(rules) - 1; i >= 0; i-- {
		block, unconditional, err := ruleBlock(i, rules[i], fmt.Sprintf("rule%d", i-1))
		if err != nil {
			return nil, err
		}
		block[0] = block[0].withLabel(fmt.Sprintf("rule%d", i))
		insns = append(insns, block...)
		if unconditional {
			// Earlier rules can never decide; the verifier would reject them as dead code.
			return insns, nil
		}
	}
	return append(insns,
		movImm32(bpfR0, 0).withLabel("rule-1"),
		exit(),
	), nil
}

// ruleBlock is the test of one rule: jumps to next when it does not match, else returns its verdict.
func ruleBlock(idx int, r specs.LinuxDeviceCgroup, next string) ([]bpfInsn, bool, error) {
	var b []bpfInsn
	field := fmt.Sprintf("linux.resources.devices[%d]", idx)
	switch r.Type {
	case "a", "":
	case "c":
		b = append(b, jneImm(bpfR2, devTypeChar, next))
	case "b":
		b = append(b, jneImm(bpfR2, devTypeBlock, next))
	default:
		return nil, false, fmt.Errorf("%s.type: %q is not a, b or c", field, r.Type)
	}
	acc, err := accessBits(r.Access)
	if err != nil {
		return nil, false, fmt.Errorf("%s.access: %w", field, err)
	}
	switch {
	case r.Allow && acc != devAccAll:
		b = append(b,
			movReg32(bpfR6, bpfR3),
			andImm32(bpfR6, int32(^acc&devAccAll)),
			jneImm(bpfR6, 0, next)) // asks for a bit the rule does not grant
	case !r.Allow:
		b = append(b,
			movReg32(bpfR6, bpfR3),
			andImm32(bpfR6, int32(acc)),
			jeqImm(bpfR6, 0, next)) // asks for none of the bits the rule denies
	}
	if r.Major != nil && *r.Major >= 0 {
		b = append(b, jneImm(bpfR4, int32(*r.Major), next))
	}
	if r.Minor != nil && *r.Minor >= 0 {
		b = append(b, jneImm(bpfR5, int32(*r.Minor), next))
	}
	unconditional := len(b) == 0
	verdict := int32(0)
	if r.Allow {
		verdict = 1
	}
	b = append(b, movImm32(bpfR0, verdict), exit())
	return b, unconditional, nil
}

func accessBits(a string) (uint32, error) {
	if a == "" {
		return devAccAll, nil
	}
	var bits uint32
	for _, c := range a {
		switch c {
		case 'm':
			bits |= devAccMknod
		case 'r':
			bits |= devAccRead
		case 'w':
			bits |= devAccWrite
		default:
			return 0, fmt.Errorf("%q is not a combination of r, w and m", a)
		}
	}
	return bits, nil
}
