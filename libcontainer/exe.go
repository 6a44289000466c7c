package libcontainer

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// sealedSelf returns an fd of a sealed, in-memory copy of the running berth binary.
//
// `berth init` runs inside the container before the user process replaces it; were it
// executed from the host's file, a process in the container could open /proc/<init>/exe
// for writing and overwrite the host's runtime binary (CVE-2019-5736). A memfd sealed
// against writes, shrinking and growing cannot be changed by anyone, and its loss costs
// nothing on the host. The copy is done in the kernel (copy_file_range/sendfile).
func sealedSelf() (int, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return -1, fmt.Errorf("open own binary: %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return -1, fmt.Errorf("stat own binary: %w", err)
	}
	fd, err := memfdCreate()
	if err != nil {
		return -1, err
	}
	dst := os.NewFile(uintptr(fd), "berth-memfd")
	n, err := io.Copy(dst, src) // uses copy_file_range / sendfile between the two fds
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("short copy: %d of %d bytes", n, fi.Size())
	}
	if err == nil {
		_, err = unix.FcntlInt(dst.Fd(), unix.F_ADD_SEALS,
			unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
	}
	if err != nil {
		dst.Close()
		return -1, fmt.Errorf("copy own binary to memfd: %w", err)
	}
	// Hand the raw fd to the caller; dst must not close it when collected.
	nfd, err := unix.FcntlInt(dst.Fd(), unix.F_DUPFD_CLOEXEC, 3)
	dst.Close()
	if err != nil {
		return -1, fmt.Errorf("dup memfd: %w", err)
	}
	return nfd, nil
}

// memfdCreate asks for an executable memfd: kernels with vm.memfd_noexec refuse to
// execute memfds created without MFD_EXEC, and older kernels reject the flag.
func memfdCreate() (int, error) {
	const flags = unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("berth", flags|unix.MFD_EXEC)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate("berth", flags)
	}
	if err != nil {
		return -1, fmt.Errorf("memfd_create: %w", err)
	}
	return fd, nil
}
