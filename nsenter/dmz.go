package nsenter

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The last stage in plan mode is a copy of the runtime: its /proc/self/exe is the host's
// berth binary. Were it to wait for `berth start` as that copy, a second container joining
// its pid namespace could open /proc/<pid>/exe and hold the host's binary, to write it
// once nothing executes it; were it to execute the user process itself, an entrypoint
// such as `#!/proc/self/exe` would make the kernel run the host's binary as the
// container's process (CVE-2019-5736). So once it is set up the stage executes this tiny
// program from a memfd it seals first, and the program does the rest: it reports that
// the container waits, waits for the commit and for start, loads a late seccomp filter
// and executes the process. From then on /proc/<pid>/exe is the sealed memfd, and the
// waiting process shares no memory with the runtime that made it.
//
// The program is machine code (dmz_amd64.s) in a minimal static ELF: no libc, no Go
// runtime, a few system calls. Its argv[0] is the path to execute, the rest the process's
// argv; everything else it reads from a parameter block at a fixed address of its image
// (dmzParams), which the stage fills in with the seccomp program before it seals the file.

// The image's layout: one read-and-execute segment loaded at dmzBase.
const (
	dmzBase      = 0x400000
	dmzParamsOff = 0x80  // dmzParams (after the ELF and program headers, 0x78 bytes)
	dmzCodeOff   = 0x120 // the signal handler, then at dmzEntryOff the program
	dmzEntryOff  = 0x130
	dmzFilterOff = 0x400 // the seccomp program, up to maxFilter instructions
	dmzAttrOff   = dmzFilterOff + maxFilter*8
	dmzAttrSize  = 1024  // the LSM attribute block: its text (attrLen bytes), then
	dmzAttrMax   = 0x300 // at dmzAttrPath1 and dmzAttrPath2 the files to write it to
	dmzAttrPath1 = 0x300 // (NUL-terminated, under the proc instance; the second if the
	dmzAttrPath2 = 0x380 // first is missing, an empty second: none)
	dmzSize      = dmzAttrOff + dmzAttrSize
)

// dmzParams is the program's parameter block at dmzBase+dmzParamsOff. The offsets are
// spelled out in dmz_amd64.s; TestDMZParamsLayout keeps the two in step.
type dmzParams struct {
	sigact       kernelSigaction // for sigs: the handler at dmzCodeOff
	fprogLen     uint16          // struct sock_fprog: 0 when no filter is loaded late
	_            [6]byte
	fprogFilter  uint64 // dmzBase+dmzFilterOff
	seccompFlags uint64
	reportFd     int32 // the "waiting" and "committed" records go here
	goFd         int32 // the commit byte comes from here (end of file: the parent died)
	listenFd     int32 // exec.sock, or -1: connFd is the connection already
	nsigs        int32
	sigs         [8]int32
	waiting      record
	committed    record
	connFd       int32
	// attrFd, when not -1, is the container's own proc instance (the stage's fsmount):
	// the program opens the attribute file under it (dmzAttrPath1, else dmzAttrPath2) and
	// writes the attrLen bytes at dmzAttrOff there right before it executes the process
	// (the LSM label it runs with). It opens the file itself: the kernel takes writes to
	// /proc/<pid>/attr only from the credentials that opened it, and the stage's change
	// on the way (user, capabilities, keyring).
	attrFd  int32
	attrLen int32
	// nnp: set no_new_privs (after the label, before the filter).
	nnp int32
}

// codeMarker ends the assembly functions copied into the image: ud2, "BERTH!" (MARKER in
// marker_amd64.h).
var codeMarker = [8]byte{0x0f, 0x0b, 'B', 'E', 'R', 'T', 'H', '!'}

// functionBytes copies the machine code at pc up to codeMarker.
func functionBytes(pc uintptr) ([]byte, error) {
	const limit = 4096
	code := unsafe.Slice(*(**byte)(unsafe.Pointer(&pc)), limit)
	for i := 0; i+len(codeMarker) <= limit; i++ {
		if [8]byte(code[i:i+8]) == codeMarker {
			return append([]byte(nil), code[:i]...), nil
		}
	}
	return nil, fmt.Errorf("nsenter: no end marker in the %d bytes at %#x", limit, pc)
}

// dmzImage builds the program's ELF image (parameters left zero) for this architecture.
func dmzImage() ([]byte, error) {
	if runtime.GOARCH != "amd64" {
		return nil, fmt.Errorf("nsenter: no exec program for %s", runtime.GOARCH)
	}
	handler, err := functionBytes(planSignalExitPC())
	if err != nil {
		return nil, err
	}
	program, err := functionBytes(dmzProgramPC())
	if err != nil {
		return nil, err
	}
	if len(handler) > dmzEntryOff-dmzCodeOff || dmzEntryOff+len(program) > dmzFilterOff {
		return nil, fmt.Errorf("nsenter: the exec program (%d and %d bytes) does not fit its image", len(handler), len(program))
	}
	img := dmzELF(62 /* EM_X86_64 */)
	copy(img[dmzCodeOff:], handler)
	copy(img[dmzEntryOff:], program)
	return img, nil
}

// dmzELF is the image's ELF64 header and its one program header, padded to dmzFilterOff
// (the filter that follows is written by the stage).
func dmzELF(machine uint16) []byte {
	const ehsize, phsize = 64, 56
	le := binary.LittleEndian
	b := make([]byte, 0, dmzFilterOff)
	b = append(b, 0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little endian */, 1 /* version */, 0 /* System V */)
	b = append(b, make([]byte, 8)...)
	b = le.AppendUint16(b, 2) // ET_EXEC
	b = le.AppendUint16(b, machine)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint64(b, dmzBase+dmzEntryOff) // entry
	b = le.AppendUint64(b, ehsize)              // phoff
	b = le.AppendUint64(b, 0)                   // shoff
	b = le.AppendUint32(b, 0)                   // flags
	b = le.AppendUint16(b, ehsize)
	b = le.AppendUint16(b, phsize)
	b = le.AppendUint16(b, 1) // phnum
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 1)       // PT_LOAD
	b = le.AppendUint32(b, 5)       // PF_R | PF_X
	b = le.AppendUint64(b, 0)       // offset
	b = le.AppendUint64(b, dmzBase) // vaddr
	b = le.AppendUint64(b, dmzBase) // paddr
	b = le.AppendUint64(b, dmzSize) // filesz
	b = le.AppendUint64(b, dmzSize) // memsz
	b = le.AppendUint64(b, 0x1000)  // align
	return b[:dmzFilterOff]
}

// dmzFile returns a memfd (mode 0111, close-on-exec) holding the program, its size
// sealed. The stage writes the parameters and the filter and seals the rest (writes,
// further seals) before it executes it.
func dmzFile() (int, error) {
	img, err := dmzImage()
	if err != nil {
		return -1, err
	}
	// MFD_EXEC: kernels with vm.memfd_noexec set refuse to execute memfds made without
	// it; kernels before 6.3 refuse the flag.
	const flags = unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("berth-exec", flags|unix.MFD_EXEC)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate("berth-exec", flags)
	}
	if err != nil {
		return -1, fmt.Errorf("nsenter: memfd for the exec program: %w", err)
	}
	fail := func(what string, err error) (int, error) {
		unix.Close(fd)
		return -1, fmt.Errorf("nsenter: %s the exec program: %w", what, err)
	}
	if _, err := unix.Write(fd, img); err != nil {
		return fail("write", err)
	}
	if err := unix.Ftruncate(fd, dmzSize); err != nil {
		return fail("size", err)
	}
	// Executable by anyone (the process may be any uid by then), readable by no one.
	if err := unix.Fchmod(fd, 0o111); err != nil {
		return fail("chmod", err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW); err != nil {
		return fail("seal", err)
	}
	return fd, nil
}

// dmzFinalSeals: no more writes, no more changes to the seals (the stage, before exec).
const dmzFinalSeals = unix.F_SEAL_SEAL | unix.F_SEAL_WRITE
