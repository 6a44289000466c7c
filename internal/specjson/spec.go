//go:build goexperiment.jsonv2

package specjson

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ReadSpec reads a config.json document. Its errors are terse: a caller wanting
// encoding/json's (with their offsets and member paths) decodes again with it.
func ReadSpec(dec *jsontext.Decoder, s *specs.Spec) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "ociversion":
			return jsonw.ReadString(dec, &s.Version)
		case "process":
			return jsonw.ReadPtr(dec, &s.Process, ReadProcess)
		case "root":
			return jsonw.ReadPtr(dec, &s.Root, readRoot)
		case "hostname":
			return jsonw.ReadString(dec, &s.Hostname)
		case "domainname":
			return jsonw.ReadString(dec, &s.Domainname)
		case "mounts":
			return jsonw.ReadSlice(dec, &s.Mounts, readMount)
		case "hooks":
			return jsonw.ReadPtr(dec, &s.Hooks, ReadHooks)
		case "annotations":
			return jsonw.ReadStringMap(dec, &s.Annotations)
		case "linux":
			return jsonw.ReadPtr(dec, &s.Linux, readLinux)
		case "solaris":
			return jsonw.ReadAny(dec, &s.Solaris)
		case "windows":
			return jsonw.ReadAny(dec, &s.Windows)
		case "vm":
			return jsonw.ReadAny(dec, &s.VM)
		case "zos":
			return jsonw.ReadAny(dec, &s.ZOS)
		case "freebsd":
			return jsonw.ReadAny(dec, &s.FreeBSD)
		}
		return dec.SkipValue()
	})
}

// ReadProcess reads a process object (config.json's, or exec --process's document).
func ReadProcess(dec *jsontext.Decoder, p *specs.Process) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "terminal":
			return jsonw.ReadBool(dec, &p.Terminal)
		case "consolesize":
			return jsonw.ReadPtr(dec, &p.ConsoleSize, readBox)
		case "user":
			return readUser(dec, &p.User)
		case "args":
			return jsonw.ReadSlice(dec, &p.Args, jsonw.ReadString)
		case "commandline":
			return jsonw.ReadString(dec, &p.CommandLine)
		case "env":
			return jsonw.ReadSlice(dec, &p.Env, jsonw.ReadString)
		case "cwd":
			return jsonw.ReadString(dec, &p.Cwd)
		case "capabilities":
			return jsonw.ReadPtr(dec, &p.Capabilities, readCapabilities)
		case "rlimits":
			return jsonw.ReadSlice(dec, &p.Rlimits, readRlimit)
		case "nonewprivileges":
			return jsonw.ReadBool(dec, &p.NoNewPrivileges)
		case "apparmorprofile":
			return jsonw.ReadString(dec, &p.ApparmorProfile)
		case "oomscoreadj":
			return jsonw.ReadPtr(dec, &p.OOMScoreAdj, jsonw.ReadInt)
		case "scheduler":
			return jsonw.ReadAny(dec, &p.Scheduler)
		case "selinuxlabel":
			return jsonw.ReadString(dec, &p.SelinuxLabel)
		case "iopriority":
			return jsonw.ReadAny(dec, &p.IOPriority)
		case "execcpuaffinity":
			return jsonw.ReadAny(dec, &p.ExecCPUAffinity)
		}
		return dec.SkipValue()
	})
}

func readBox(dec *jsontext.Decoder, b *specs.Box) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "height":
			return jsonw.ReadUint(dec, &b.Height)
		case "width":
			return jsonw.ReadUint(dec, &b.Width)
		}
		return dec.SkipValue()
	})
}

func readUser(dec *jsontext.Decoder, u *specs.User) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "uid":
			return jsonw.ReadUint(dec, &u.UID)
		case "gid":
			return jsonw.ReadUint(dec, &u.GID)
		case "umask":
			return jsonw.ReadPtr(dec, &u.Umask, jsonw.ReadUint)
		case "additionalgids":
			return jsonw.ReadSlice(dec, &u.AdditionalGids, jsonw.ReadUint)
		case "username":
			return jsonw.ReadString(dec, &u.Username)
		}
		return dec.SkipValue()
	})
}

func readCapabilities(dec *jsontext.Decoder, c *specs.LinuxCapabilities) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "bounding":
			return jsonw.ReadSlice(dec, &c.Bounding, jsonw.ReadString)
		case "effective":
			return jsonw.ReadSlice(dec, &c.Effective, jsonw.ReadString)
		case "inheritable":
			return jsonw.ReadSlice(dec, &c.Inheritable, jsonw.ReadString)
		case "permitted":
			return jsonw.ReadSlice(dec, &c.Permitted, jsonw.ReadString)
		case "ambient":
			return jsonw.ReadSlice(dec, &c.Ambient, jsonw.ReadString)
		}
		return dec.SkipValue()
	})
}

func readRlimit(dec *jsontext.Decoder, r *specs.POSIXRlimit) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "type":
			return jsonw.ReadString(dec, &r.Type)
		case "hard":
			return jsonw.ReadUint(dec, &r.Hard)
		case "soft":
			return jsonw.ReadUint(dec, &r.Soft)
		}
		return dec.SkipValue()
	})
}

func readRoot(dec *jsontext.Decoder, r *specs.Root) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "path":
			return jsonw.ReadString(dec, &r.Path)
		case "readonly":
			return jsonw.ReadBool(dec, &r.Readonly)
		}
		return dec.SkipValue()
	})
}

func readMount(dec *jsontext.Decoder, m *specs.Mount) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "destination":
			return jsonw.ReadString(dec, &m.Destination)
		case "type":
			return jsonw.ReadString(dec, &m.Type)
		case "source":
			return jsonw.ReadString(dec, &m.Source)
		case "options":
			return jsonw.ReadSlice(dec, &m.Options, jsonw.ReadString)
		case "uidmappings":
			return jsonw.ReadSlice(dec, &m.UIDMappings, readIDMapping)
		case "gidmappings":
			return jsonw.ReadSlice(dec, &m.GIDMappings, readIDMapping)
		}
		return dec.SkipValue()
	})
}

func readIDMapping(dec *jsontext.Decoder, m *specs.LinuxIDMapping) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "containerid":
			return jsonw.ReadUint(dec, &m.ContainerID)
		case "hostid":
			return jsonw.ReadUint(dec, &m.HostID)
		case "size":
			return jsonw.ReadUint(dec, &m.Size)
		}
		return dec.SkipValue()
	})
}

func readLinux(dec *jsontext.Decoder, l *specs.Linux) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "uidmappings":
			return jsonw.ReadSlice(dec, &l.UIDMappings, readIDMapping)
		case "gidmappings":
			return jsonw.ReadSlice(dec, &l.GIDMappings, readIDMapping)
		case "sysctl":
			return jsonw.ReadStringMap(dec, &l.Sysctl)
		case "resources":
			return jsonw.ReadPtr(dec, &l.Resources, ReadResources)
		case "cgroupspath":
			return jsonw.ReadString(dec, &l.CgroupsPath)
		case "namespaces":
			return jsonw.ReadSlice(dec, &l.Namespaces, readNamespace)
		case "devices":
			return jsonw.ReadSlice(dec, &l.Devices, readDevice)
		case "netdevices":
			return jsonw.ReadAny(dec, &l.NetDevices)
		case "seccomp":
			return jsonw.ReadPtr(dec, &l.Seccomp, ReadSeccomp)
		case "rootfspropagation":
			return jsonw.ReadString(dec, &l.RootfsPropagation)
		case "maskedpaths":
			return jsonw.ReadSlice(dec, &l.MaskedPaths, jsonw.ReadString)
		case "readonlypaths":
			return jsonw.ReadSlice(dec, &l.ReadonlyPaths, jsonw.ReadString)
		case "mountlabel":
			return jsonw.ReadString(dec, &l.MountLabel)
		case "intelrdt":
			return jsonw.ReadAny(dec, &l.IntelRdt)
		case "memorypolicy":
			return jsonw.ReadAny(dec, &l.MemoryPolicy)
		case "personality":
			return jsonw.ReadAny(dec, &l.Personality)
		case "timeoffsets":
			return jsonw.ReadAny(dec, &l.TimeOffsets)
		}
		return dec.SkipValue()
	})
}

func readNamespace(dec *jsontext.Decoder, n *specs.LinuxNamespace) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "type":
			return jsonw.ReadString(dec, &n.Type)
		case "path":
			return jsonw.ReadString(dec, &n.Path)
		}
		return dec.SkipValue()
	})
}

func readDevice(dec *jsontext.Decoder, d *specs.LinuxDevice) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "path":
			return jsonw.ReadString(dec, &d.Path)
		case "type":
			return jsonw.ReadString(dec, &d.Type)
		case "major":
			return jsonw.ReadInt(dec, &d.Major)
		case "minor":
			return jsonw.ReadInt(dec, &d.Minor)
		case "filemode":
			return jsonw.ReadPtr(dec, &d.FileMode, jsonw.ReadUint)
		case "uid":
			return jsonw.ReadPtr(dec, &d.UID, jsonw.ReadUint)
		case "gid":
			return jsonw.ReadPtr(dec, &d.GID, jsonw.ReadUint)
		}
		return dec.SkipValue()
	})
}
