//go:build goexperiment.jsonv2

package configs

// Config and its parts write and read themselves, member by member, in the form
// encoding/json gives their struct tags (internal/jsonw says why; json_test.go checks
// every member against the reflective encoding). A member added to a type goes here too.

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
	"github.com/berth-runtime/berth/internal/specjson"
)

func (c *Config) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("oci_version", c.OCIVersion, false)
	w.String("rootfs", c.Rootfs, false)
	w.Bool("readonly", c.Readonly, true)
	w.String("hostname", c.Hostname, true)
	w.String("domainname", c.Domainname, true)
	jsonw.Objects(w, "namespaces", c.Namespaces, true)
	jsonw.Objects(w, "uid_mappings", c.UIDMappings, true)
	jsonw.Objects(w, "gid_mappings", c.GIDMappings, true)
	jsonw.Objects(w, "mounts", c.Mounts, true)
	jsonw.Uint(w, "root_propagation", c.RootPropagation, true)
	jsonw.Objects(w, "devices", c.Devices, true)
	jsonw.Strings(w, "masked_paths", c.MaskedPaths, true)
	jsonw.Strings(w, "readonly_paths", c.ReadonlyPaths, true)
	w.StringMap("sysctl", c.Sysctl, true)
	jsonw.Object(w, "process", &c.Process)
	jsonw.ValuePtr(w, "hooks", c.Hooks, true, specjson.WriteHooks)
	w.String("cgroups_path", c.CgroupsPath, true)
	jsonw.ValuePtr(w, "resources", c.Resources, true, specjson.WriteResources)
	jsonw.ValuePtr(w, "seccomp", c.Seccomp, true, specjson.WriteSeccomp)
	w.Bool("no_pivot", c.NoPivot, true)
	w.Bool("no_new_keyring", c.NoNewKeyring, true)
	w.StringMap("annotations", c.Annotations, true)
	w.String("mount_label", c.MountLabel, true)
	jsonw.UintPtr(w, "personality", c.Personality, true)
	jsonw.ObjectPtr(w, "memory_policy", c.MemoryPolicy, true)
	w.String("time_offsets", c.TimeOffsets, true)
	jsonw.Objects(w, "net_devices", c.NetDevices, true)
	w.Any("intel_rdt", c.IntelRdt, c.IntelRdt == nil, true)
	return w.End()
}

func (c *Config) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "oci_version":
			return jsonw.ReadString(dec, &c.OCIVersion)
		case "rootfs":
			return jsonw.ReadString(dec, &c.Rootfs)
		case "readonly":
			return jsonw.ReadBool(dec, &c.Readonly)
		case "hostname":
			return jsonw.ReadString(dec, &c.Hostname)
		case "domainname":
			return jsonw.ReadString(dec, &c.Domainname)
		case "namespaces":
			return jsonw.ReadSlice(dec, &c.Namespaces, jsonw.ReadRecord[Namespace])
		case "uid_mappings":
			return jsonw.ReadSlice(dec, &c.UIDMappings, jsonw.ReadRecord[IDMap])
		case "gid_mappings":
			return jsonw.ReadSlice(dec, &c.GIDMappings, jsonw.ReadRecord[IDMap])
		case "mounts":
			return jsonw.ReadSlice(dec, &c.Mounts, jsonw.ReadRecord[Mount])
		case "root_propagation":
			return jsonw.ReadUint(dec, &c.RootPropagation)
		case "devices":
			return jsonw.ReadSlice(dec, &c.Devices, jsonw.ReadRecord[Device])
		case "masked_paths":
			return jsonw.ReadSlice(dec, &c.MaskedPaths, jsonw.ReadString)
		case "readonly_paths":
			return jsonw.ReadSlice(dec, &c.ReadonlyPaths, jsonw.ReadString)
		case "sysctl":
			return jsonw.ReadStringMap(dec, &c.Sysctl)
		case "process":
			return c.Process.UnmarshalJSONFrom(dec)
		case "hooks":
			return jsonw.ReadPtr(dec, &c.Hooks, specjson.ReadHooks)
		case "cgroups_path":
			return jsonw.ReadString(dec, &c.CgroupsPath)
		case "resources":
			return jsonw.ReadPtr(dec, &c.Resources, specjson.ReadResources)
		case "seccomp":
			return jsonw.ReadPtr(dec, &c.Seccomp, specjson.ReadSeccomp)
		case "no_pivot":
			return jsonw.ReadBool(dec, &c.NoPivot)
		case "no_new_keyring":
			return jsonw.ReadBool(dec, &c.NoNewKeyring)
		case "annotations":
			return jsonw.ReadStringMap(dec, &c.Annotations)
		case "mount_label":
			return jsonw.ReadString(dec, &c.MountLabel)
		case "personality":
			return jsonw.ReadPtr(dec, &c.Personality, jsonw.ReadUint)
		case "memory_policy":
			return jsonw.ReadPtr(dec, &c.MemoryPolicy, jsonw.ReadRecord[MemoryPolicy])
		case "time_offsets":
			return jsonw.ReadString(dec, &c.TimeOffsets)
		case "net_devices":
			return jsonw.ReadSlice(dec, &c.NetDevices, jsonw.ReadRecord[NetDevice])
		case "intel_rdt":
			return jsonw.ReadAny(dec, &c.IntelRdt)
		}
		return dec.SkipValue()
	})
}

func (m *MemoryPolicy) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Int(w, "mode", m.Mode, false)
	jsonw.Ints(w, "nodes", m.Nodes, true)
	return w.End()
}

func (m *MemoryPolicy) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "mode":
			return jsonw.ReadInt(dec, &m.Mode)
		case "nodes":
			return jsonw.ReadSlice(dec, &m.Nodes, jsonw.ReadInt)
		}
		return dec.SkipValue()
	})
}

func (d *NetDevice) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("host_name", d.HostName, false)
	w.String("name", d.Name, false)
	return w.End()
}

func (d *NetDevice) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "host_name":
			return jsonw.ReadString(dec, &d.HostName)
		case "name":
			return jsonw.ReadString(dec, &d.Name)
		}
		return dec.SkipValue()
	})
}

func (s *Scheduler) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Uint(w, "policy", s.Policy, false)
	jsonw.Uint(w, "flags", s.Flags, true)
	jsonw.Int(w, "nice", s.Nice, true)
	jsonw.Uint(w, "priority", s.Priority, true)
	jsonw.Uint(w, "runtime", s.Runtime, true)
	jsonw.Uint(w, "deadline", s.Deadline, true)
	jsonw.Uint(w, "period", s.Period, true)
	return w.End()
}

func (s *Scheduler) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "policy":
			return jsonw.ReadUint(dec, &s.Policy)
		case "flags":
			return jsonw.ReadUint(dec, &s.Flags)
		case "nice":
			return jsonw.ReadInt(dec, &s.Nice)
		case "priority":
			return jsonw.ReadUint(dec, &s.Priority)
		case "runtime":
			return jsonw.ReadUint(dec, &s.Runtime)
		case "deadline":
			return jsonw.ReadUint(dec, &s.Deadline)
		case "period":
			return jsonw.ReadUint(dec, &s.Period)
		}
		return dec.SkipValue()
	})
}

func (a *CPUAffinity) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Ints(w, "initial", a.Initial, true)
	jsonw.Ints(w, "final", a.Final, true)
	return w.End()
}

func (a *CPUAffinity) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "initial":
			return jsonw.ReadSlice(dec, &a.Initial, jsonw.ReadInt)
		case "final":
			return jsonw.ReadSlice(dec, &a.Final, jsonw.ReadInt)
		}
		return dec.SkipValue()
	})
}

func (n *Namespace) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("type", string(n.Type), false)
	w.String("path", n.Path, true)
	return w.End()
}

func (n *Namespace) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
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

func (m *IDMap) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Uint(w, "container_id", m.ContainerID, false)
	jsonw.Uint(w, "host_id", m.HostID, false)
	jsonw.Uint(w, "size", m.Size, false)
	return w.End()
}

func (m *IDMap) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "container_id":
			return jsonw.ReadUint(dec, &m.ContainerID)
		case "host_id":
			return jsonw.ReadUint(dec, &m.HostID)
		case "size":
			return jsonw.ReadUint(dec, &m.Size)
		}
		return dec.SkipValue()
	})
}

func (m *Mount) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("source", m.Source, false)
	w.String("destination", m.Destination, false)
	w.String("type", m.Type, false)
	jsonw.Uint(w, "flags", m.Flags, true)
	jsonw.Uint(w, "cleared_flags", m.ClearedFlags, true)
	jsonw.Uints(w, "propagation_flags", m.PropagationFlags, true)
	w.String("data", m.Data, true)
	jsonw.Uint(w, "rec_attr_set", m.RecAttrSet, true)
	jsonw.Uint(w, "rec_attr_clr", m.RecAttrClr, true)
	jsonw.Objects(w, "uid_mappings", m.UIDMappings, true)
	jsonw.Objects(w, "gid_mappings", m.GIDMappings, true)
	w.Bool("idmap_recursive", m.IDMapRecursive, true)
	w.Bool("tmpcopyup", m.TmpCopyUp, true)
	return w.End()
}

func (m *Mount) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "source":
			return jsonw.ReadString(dec, &m.Source)
		case "destination":
			return jsonw.ReadString(dec, &m.Destination)
		case "type":
			return jsonw.ReadString(dec, &m.Type)
		case "flags":
			return jsonw.ReadUint(dec, &m.Flags)
		case "cleared_flags":
			return jsonw.ReadUint(dec, &m.ClearedFlags)
		case "propagation_flags":
			return jsonw.ReadSlice(dec, &m.PropagationFlags, jsonw.ReadUint)
		case "data":
			return jsonw.ReadString(dec, &m.Data)
		case "rec_attr_set":
			return jsonw.ReadUint(dec, &m.RecAttrSet)
		case "rec_attr_clr":
			return jsonw.ReadUint(dec, &m.RecAttrClr)
		case "uid_mappings":
			return jsonw.ReadSlice(dec, &m.UIDMappings, jsonw.ReadRecord[IDMap])
		case "gid_mappings":
			return jsonw.ReadSlice(dec, &m.GIDMappings, jsonw.ReadRecord[IDMap])
		case "idmap_recursive":
			return jsonw.ReadBool(dec, &m.IDMapRecursive)
		case "tmpcopyup":
			return jsonw.ReadBool(dec, &m.TmpCopyUp)
		}
		return dec.SkipValue()
	})
}

func (d *Device) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Int(w, "type", d.Type, false)
	w.String("path", d.Path, false)
	jsonw.Int(w, "major", d.Major, false)
	jsonw.Int(w, "minor", d.Minor, false)
	jsonw.Uint(w, "file_mode", d.FileMode, false)
	jsonw.Uint(w, "uid", d.UID, false)
	jsonw.Uint(w, "gid", d.GID, false)
	return w.End()
}

func (d *Device) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "type":
			return jsonw.ReadInt(dec, &d.Type)
		case "path":
			return jsonw.ReadString(dec, &d.Path)
		case "major":
			return jsonw.ReadInt(dec, &d.Major)
		case "minor":
			return jsonw.ReadInt(dec, &d.Minor)
		case "file_mode":
			return jsonw.ReadUint(dec, &d.FileMode)
		case "uid":
			return jsonw.ReadUint(dec, &d.UID)
		case "gid":
			return jsonw.ReadUint(dec, &d.GID)
		}
		return dec.SkipValue()
	})
}

func (p *Process) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Strings(w, "args", p.Args, false)
	jsonw.Strings(w, "env", p.Env, true)
	w.String("cwd", p.Cwd, false)
	w.Bool("terminal", p.Terminal, true)
	jsonw.Uint(w, "console_height", p.ConsoleHeight, true)
	jsonw.Uint(w, "console_width", p.ConsoleWidth, true)
	jsonw.Uint(w, "uid", p.UID, false)
	jsonw.Uint(w, "gid", p.GID, false)
	jsonw.Uints(w, "additional_gids", p.AdditionalGids, true)
	jsonw.UintPtr(w, "umask", p.Umask, true)
	jsonw.ObjectPtr(w, "capabilities", p.Capabilities, true)
	w.Bool("no_new_privileges", p.NoNewPrivileges, true)
	jsonw.Objects(w, "rlimits", p.Rlimits, true)
	jsonw.IntPtr(w, "oom_score_adj", p.OOMScoreAdj, true)
	w.String("apparmor_profile", p.ApparmorProfile, true)
	w.String("selinux_label", p.SelinuxLabel, true)
	jsonw.ObjectPtr(w, "scheduler", p.Scheduler, true)
	jsonw.IntPtr(w, "io_priority", p.IOPriority, true)
	jsonw.ObjectPtr(w, "exec_cpu_affinity", p.ExecCPUAffinity, true)
	return w.End()
}

func (p *Process) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "args":
			return jsonw.ReadSlice(dec, &p.Args, jsonw.ReadString)
		case "env":
			return jsonw.ReadSlice(dec, &p.Env, jsonw.ReadString)
		case "cwd":
			return jsonw.ReadString(dec, &p.Cwd)
		case "terminal":
			return jsonw.ReadBool(dec, &p.Terminal)
		case "console_height":
			return jsonw.ReadUint(dec, &p.ConsoleHeight)
		case "console_width":
			return jsonw.ReadUint(dec, &p.ConsoleWidth)
		case "uid":
			return jsonw.ReadUint(dec, &p.UID)
		case "gid":
			return jsonw.ReadUint(dec, &p.GID)
		case "additional_gids":
			return jsonw.ReadSlice(dec, &p.AdditionalGids, jsonw.ReadUint)
		case "umask":
			return jsonw.ReadPtr(dec, &p.Umask, jsonw.ReadUint)
		case "capabilities":
			return jsonw.ReadPtr(dec, &p.Capabilities, jsonw.ReadRecord[Capabilities])
		case "no_new_privileges":
			return jsonw.ReadBool(dec, &p.NoNewPrivileges)
		case "rlimits":
			return jsonw.ReadSlice(dec, &p.Rlimits, jsonw.ReadRecord[Rlimit])
		case "oom_score_adj":
			return jsonw.ReadPtr(dec, &p.OOMScoreAdj, jsonw.ReadInt)
		case "apparmor_profile":
			return jsonw.ReadString(dec, &p.ApparmorProfile)
		case "selinux_label":
			return jsonw.ReadString(dec, &p.SelinuxLabel)
		case "scheduler":
			return jsonw.ReadPtr(dec, &p.Scheduler, jsonw.ReadRecord[Scheduler])
		case "io_priority":
			return jsonw.ReadPtr(dec, &p.IOPriority, jsonw.ReadInt)
		case "exec_cpu_affinity":
			return jsonw.ReadPtr(dec, &p.ExecCPUAffinity, jsonw.ReadRecord[CPUAffinity])
		}
		return dec.SkipValue()
	})
}

func (c *Capabilities) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Ints(w, "bounding", c.Bounding, true)
	jsonw.Ints(w, "effective", c.Effective, true)
	jsonw.Ints(w, "inheritable", c.Inheritable, true)
	jsonw.Ints(w, "permitted", c.Permitted, true)
	jsonw.Ints(w, "ambient", c.Ambient, true)
	return w.End()
}

func (c *Capabilities) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "bounding":
			return jsonw.ReadSlice(dec, &c.Bounding, jsonw.ReadInt)
		case "effective":
			return jsonw.ReadSlice(dec, &c.Effective, jsonw.ReadInt)
		case "inheritable":
			return jsonw.ReadSlice(dec, &c.Inheritable, jsonw.ReadInt)
		case "permitted":
			return jsonw.ReadSlice(dec, &c.Permitted, jsonw.ReadInt)
		case "ambient":
			return jsonw.ReadSlice(dec, &c.Ambient, jsonw.ReadInt)
		}
		return dec.SkipValue()
	})
}

func (r *Rlimit) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Int(w, "type", r.Type, false)
	jsonw.Uint(w, "hard", r.Hard, false)
	jsonw.Uint(w, "soft", r.Soft, false)
	return w.End()
}

func (r *Rlimit) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "type":
			return jsonw.ReadInt(dec, &r.Type)
		case "hard":
			return jsonw.ReadUint(dec, &r.Hard)
		case "soft":
			return jsonw.ReadUint(dec, &r.Soft)
		}
		return dec.SkipValue()
	})
}
