// Command keyring-probe prints the description (the name) of its session keyring, or
// "none" when it has none: the keyring tests copy it into a container, whose busybox has
// no keyctl applet.
package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

func main() {
	desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, unix.KEY_SPEC_SESSION_KEYRING)
	if err != nil {
		fmt.Println("none:", err)
		os.Exit(1)
	}
	// "type;uid;gid;perm;description"
	fields := strings.SplitN(desc, ";", 5)
	fmt.Println(fields[len(fields)-1])
}
