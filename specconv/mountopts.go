package specconv

import (
	"strings"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// mountOptions is the parsed form of one mounts[i].options list.
type mountOptions struct {
	flags       uintptr   // MS_* to set
	cleared     uintptr   // MS_* explicitly turned off ("rw", "suid", ...)
	propagation []uintptr // in the order written
	data        []string  // filesystem-specific options, passed to mount(2) as data
	recSet      uint64    // MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE)
	recClr      uint64
	idmap       bool // "idmap": the mount gets an idmapping
	ridmap      bool // "ridmap": every mount of an rbind gets it
	tmpcopyup   bool // "tmpcopyup": a tmpfs starts with a copy of what it covers
}

// flagOption is a mount(8) option that sets or clears one MS_* flag.
type flagOption struct {
	clear bool
	flag  uintptr
}

var flagOptions = map[string]flagOption{
	"defaults": {false, 0},
	"ro":       {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
	"nosuid": {false, unix.MS_NOSUID}, "suid": {true, unix.MS_NOSUID},
	"nodev": {false, unix.MS_NODEV}, "dev": {true, unix.MS_NODEV},
	"noexec": {false, unix.MS_NOEXEC}, "exec": {true, unix.MS_NOEXEC},
	"sync": {false, unix.MS_SYNCHRONOUS}, "async": {true, unix.MS_SYNCHRONOUS},
	"dirsync": {false, unix.MS_DIRSYNC},
	"remount": {false, unix.MS_REMOUNT},
	"mand":    {false, unix.MS_MANDLOCK}, "nomand": {true, unix.MS_MANDLOCK},
	"noatime": {false, unix.MS_NOATIME}, "atime": {true, unix.MS_NOATIME},
	"nodiratime": {false, unix.MS_NODIRATIME}, "diratime": {true, unix.MS_NODIRATIME},
	"relatime": {false, unix.MS_RELATIME}, "norelatime": {true, unix.MS_RELATIME},
	"strictatime": {false, unix.MS_STRICTATIME}, "nostrictatime": {true, unix.MS_STRICTATIME},
	"lazytime": {false, unix.MS_LAZYTIME}, "nolazytime": {true, unix.MS_LAZYTIME},
	"silent": {false, unix.MS_SILENT}, "loud": {true, unix.MS_SILENT},
	"iversion": {false, unix.MS_I_VERSION}, "noiversion": {true, unix.MS_I_VERSION},
	"nosymfollow": {false, unix.MS_NOSYMFOLLOW}, "symfollow": {true, unix.MS_NOSYMFOLLOW},
	"bind":  {false, unix.MS_BIND},
	"rbind": {false, unix.MS_BIND | unix.MS_REC},
}

var propagationOptions = map[string]uintptr{
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// recAttrOptions are the recursive (mount_setattr) forms of the on/off flags.
var recAttrOptions = map[string]struct {
	clear bool
	attr  uint64
}{
	"rro": {false, unix.MOUNT_ATTR_RDONLY}, "rrw": {true, unix.MOUNT_ATTR_RDONLY},
	"rnosuid": {false, unix.MOUNT_ATTR_NOSUID}, "rsuid": {true, unix.MOUNT_ATTR_NOSUID},
	"rnodev": {false, unix.MOUNT_ATTR_NODEV}, "rdev": {true, unix.MOUNT_ATTR_NODEV},
	"rnoexec": {false, unix.MOUNT_ATTR_NOEXEC}, "rexec": {true, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime": {false, unix.MOUNT_ATTR_NODIRATIME}, "rdiratime": {true, unix.MOUNT_ATTR_NODIRATIME},
	"rnosymfollow": {false, unix.MOUNT_ATTR_NOSYMFOLLOW}, "rsymfollow": {true, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// recAtimeOptions choose the atime mode, which mount_setattr treats as one three-way
// setting: clear the whole MOUNT_ATTR__ATIME field and set the mode wanted. "Not
// relatime" can only mean strictatime; "atime" and "not strictatime" mean the kernel's
// default, relatime.
var recAtimeOptions = map[string]uint64{
	"rrelatime": unix.MOUNT_ATTR_RELATIME, "rnorelatime": unix.MOUNT_ATTR_STRICTATIME,
	"rnoatime": unix.MOUNT_ATTR_NOATIME, "ratime": unix.MOUNT_ATTR_RELATIME,
	"rstrictatime": unix.MOUNT_ATTR_STRICTATIME, "rnostrictatime": unix.MOUNT_ATTR_RELATIME,
}

// parseMountOptions parses options in order; a later option overrides an earlier one
// ("ro,rw" is read-write). field is the JSON path of the options list.
func parseMountOptions(field string, options []string) (mountOptions, error) {
	var o mountOptions
	for i, opt := range options {
		if opt == "" {
			return o, configs.FieldErrorf(configs.Index(field, i), "empty option")
		}
		if strings.IndexByte(opt, 0) >= 0 {
			return o, configs.FieldErrorf(configs.Index(field, i), "contains a NUL byte")
		}
		if f, ok := flagOptions[opt]; ok {
			if f.clear {
				o.flags &^= f.flag
				o.cleared |= f.flag
			} else {
				o.flags |= f.flag
				o.cleared &^= f.flag
			}
			continue
		}
		if p, ok := propagationOptions[opt]; ok {
			o.propagation = append(o.propagation, p)
			continue
		}
		if r, ok := recAttrOptions[opt]; ok {
			if r.clear {
				o.recSet &^= r.attr
				o.recClr |= r.attr
			} else {
				o.recSet |= r.attr
				o.recClr &^= r.attr
			}
			continue
		}
		if mode, ok := recAtimeOptions[opt]; ok {
			o.recClr |= unix.MOUNT_ATTR__ATIME
			o.recSet = o.recSet&^unix.MOUNT_ATTR__ATIME | mode
			continue
		}
		switch opt {
		case "idmap":
			o.idmap = true
			continue
		case "ridmap":
			o.ridmap = true
			continue
		case "tmpcopyup":
			o.tmpcopyup = true
			continue
		}
		o.data = append(o.data, opt)
	}
	return o, nil
}
