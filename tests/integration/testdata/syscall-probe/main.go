// Command syscall-probe makes the raw system call numbered by its argument (all six
// arguments zero) and prints the errno it returned as a number, 0 for success. The
// seccomp tests copy it into a container to see what a profile answers for a syscall
// busybox has no applet for.
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: syscall-probe NR")
		os.Exit(2)
	}
	nr, err := strconv.ParseUint(os.Args[1], 10, 32)
	if err != nil {
		fmt.Fprintln(os.Stderr, "syscall-probe:", err)
		os.Exit(2)
	}
	_, _, errno := syscall.RawSyscall6(uintptr(nr), 0, 0, 0, 0, 0, 0)
	fmt.Println(int(errno))
}
