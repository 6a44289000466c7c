package nsenter

import (
	"encoding/binary"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// The last stage in plan mode is a copy of the runtime: its /proc/self/exe is the host's
// berth binary. Were it to execute the user process itself, an entrypoint such as
// `#!/proc/self/exe` (or an ELF whose interpreter is that path) would make the kernel run
// the host's binary as the container's process, which could then hold it and write it
// once nothing executes it: CVE-2019-5736. So the stage executes this tiny program from a
// sealed memfd instead, and it executes the user process: /proc/self/exe at that moment
// is the sealed memfd.
//
// The program is a few instructions of machine code in a minimal static ELF (no libc, no
// Go runtime: the stage must stay cheap). Its argv[0] is the path to execute, the rest
// the process's argv; a fixed fd, the first above the preserved ones, is `berth start`'s
// connection, which it makes close-on-exec before executing and, when execve fails, tells
// start the errno as the two bytes 0xff, errno.

// dmzCodeAMD64: fcntl(conn, F_SETFD, FD_CLOEXEC); execve(argv[0], &argv[1], envp);
// on failure write(conn, {0xff, errno}, 2); exit_group(127).
func dmzCodeAMD64(conn uint32) []byte {
	code := []byte{
		0xbf, 0xe8, 0x03, 0x00, 0x00, // mov edi, conn
		0xbe, 0x02, 0x00, 0x00, 0x00, // mov esi, 2 (F_SETFD)
		0xba, 0x01, 0x00, 0x00, 0x00, // mov edx, 1 (FD_CLOEXEC)
		0xb8, 0x48, 0x00, 0x00, 0x00, // mov eax, 72 (fcntl)
		0x0f, 0x05, // syscall
		0x48, 0x8b, 0x7c, 0x24, 0x08, // mov rdi, [rsp+8]: argv[0]
		0x48, 0x8d, 0x74, 0x24, 0x10, // lea rsi, [rsp+16]: &argv[1]
		0x48, 0x8b, 0x04, 0x24, // mov rax, [rsp]: argc
		0x48, 0x8d, 0x54, 0xc4, 0x10, // lea rdx, [rsp+rax*8+16]: envp
		0xb8, 0x3b, 0x00, 0x00, 0x00, // mov eax, 59 (execve)
		0x0f, 0x05, // syscall
		0xf7, 0xd8, // neg eax: errno
		0x88, 0x44, 0x24, 0xff, // mov [rsp-1], al
		0xc6, 0x44, 0x24, 0xfe, 0xff, // mov byte [rsp-2], 0xff
		0x48, 0x8d, 0x74, 0x24, 0xfe, // lea rsi, [rsp-2]
		0xbf, 0xe8, 0x03, 0x00, 0x00, // mov edi, conn
		0xba, 0x02, 0x00, 0x00, 0x00, // mov edx, 2
		0xb8, 0x01, 0x00, 0x00, 0x00, // mov eax, 1 (write)
		0x0f, 0x05, // syscall
		0xbf, 0x7f, 0x00, 0x00, 0x00, // mov edi, 127
		0xb8, 0xe7, 0x00, 0x00, 0x00, // mov eax, 231 (exit_group)
		0x0f, 0x05, // syscall
	}
	// The two "mov edi, conn": their imm32 operands.
	for _, at := range []int{1, 65} {
		binary.LittleEndian.PutUint32(code[at:], conn)
	}
	return code
}

// dmzELF wraps code in a static ELF64 executable with one loadable segment.
func dmzELF(machine uint16, code []byte) []byte {
	const base, ehsize, phsize = 0x400000, 64, 56
	size := uint64(ehsize + phsize + len(code))
	le := binary.LittleEndian
	b := make([]byte, 0, size)
	b = append(b, 0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little endian */, 1 /* version */, 0 /* System V */)
	b = append(b, make([]byte, 8)...)
	b = le.AppendUint16(b, 2) // ET_EXEC
	b = le.AppendUint16(b, machine)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint64(b, base+ehsize+phsize) // entry
	b = le.AppendUint64(b, ehsize)             // phoff
	b = le.AppendUint64(b, 0)                  // shoff
	b = le.AppendUint32(b, 0)                  // flags
	b = le.AppendUint16(b, ehsize)
	b = le.AppendUint16(b, phsize)
	b = le.AppendUint16(b, 1) // phnum
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 1)      // PT_LOAD
	b = le.AppendUint32(b, 5)      // PF_R | PF_X
	b = le.AppendUint64(b, 0)      // offset
	b = le.AppendUint64(b, base)   // vaddr
	b = le.AppendUint64(b, base)   // paddr
	b = le.AppendUint64(b, size)   // filesz
	b = le.AppendUint64(b, size)   // memsz
	b = le.AppendUint64(b, 0x1000) // align
	return append(b, code...)
}

// dmzFile returns a sealed memfd (mode 0111, close-on-exec) holding the program for a
// connection at fd conn, or an error where this architecture has none.
func dmzFile(conn int) (int, error) {
	var elf []byte
	switch runtime.GOARCH {
	case "amd64":
		elf = dmzELF(62 /* EM_X86_64 */, dmzCodeAMD64(uint32(conn)))
	default:
		return -1, fmt.Errorf("nsenter: no exec program for %s", runtime.GOARCH)
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
	if _, err := unix.Write(fd, elf); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("nsenter: write the exec program: %w", err)
	}
	// Executable by anyone (the process may be any uid by then), readable by no one, and
	// sealed: nothing can change what runs.
	if err := unix.Fchmod(fd, 0o111); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("nsenter: chmod the exec program: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("nsenter: seal the exec program: %w", err)
	}
	return fd, nil
}
