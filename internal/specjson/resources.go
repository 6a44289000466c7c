//go:build goexperiment.jsonv2

package specjson

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// WriteResources writes linux.resources.
func WriteResources(enc *jsontext.Encoder, r *specs.LinuxResources) error {
	w := jsonw.Begin(enc)
	jsonw.Values(w, "devices", r.Devices, true, writeDeviceCgroup)
	jsonw.ValuePtr(w, "memory", r.Memory, true, writeMemory)
	jsonw.ValuePtr(w, "cpu", r.CPU, true, writeCPU)
	jsonw.ValuePtr(w, "pids", r.Pids, true, writePids)
	w.Any("blockIO", r.BlockIO, r.BlockIO == nil, true)
	w.Any("hugepageLimits", r.HugepageLimits, len(r.HugepageLimits) == 0, true)
	w.Any("network", r.Network, r.Network == nil, true)
	w.Any("rdma", r.Rdma, len(r.Rdma) == 0, true)
	w.StringMap("unified", r.Unified, true)
	return w.End()
}

// ReadResources reads linux.resources.
func ReadResources(dec *jsontext.Decoder, r *specs.LinuxResources) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "devices":
			return jsonw.ReadSlice(dec, &r.Devices, readDeviceCgroup)
		case "memory":
			return jsonw.ReadPtr(dec, &r.Memory, readMemory)
		case "cpu":
			return jsonw.ReadPtr(dec, &r.CPU, readCPU)
		case "pids":
			return jsonw.ReadPtr(dec, &r.Pids, readPids)
		case "blockio":
			return jsonw.ReadAny(dec, &r.BlockIO)
		case "hugepagelimits":
			return jsonw.ReadAny(dec, &r.HugepageLimits)
		case "network":
			return jsonw.ReadAny(dec, &r.Network)
		case "rdma":
			return jsonw.ReadAny(dec, &r.Rdma)
		case "unified":
			return jsonw.ReadStringMap(dec, &r.Unified)
		}
		return dec.SkipValue()
	})
}

func writeDeviceCgroup(enc *jsontext.Encoder, d *specs.LinuxDeviceCgroup) error {
	w := jsonw.Begin(enc)
	w.Bool("allow", d.Allow, false)
	w.String("type", d.Type, true)
	jsonw.IntPtr(w, "major", d.Major, true)
	jsonw.IntPtr(w, "minor", d.Minor, true)
	w.String("access", d.Access, true)
	return w.End()
}

func readDeviceCgroup(dec *jsontext.Decoder, d *specs.LinuxDeviceCgroup) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "allow":
			return jsonw.ReadBool(dec, &d.Allow)
		case "type":
			return jsonw.ReadString(dec, &d.Type)
		case "major":
			return jsonw.ReadPtr(dec, &d.Major, jsonw.ReadInt)
		case "minor":
			return jsonw.ReadPtr(dec, &d.Minor, jsonw.ReadInt)
		case "access":
			return jsonw.ReadString(dec, &d.Access)
		}
		return dec.SkipValue()
	})
}

func writeMemory(enc *jsontext.Encoder, m *specs.LinuxMemory) error {
	w := jsonw.Begin(enc)
	jsonw.IntPtr(w, "limit", m.Limit, true)
	jsonw.IntPtr(w, "reservation", m.Reservation, true)
	jsonw.IntPtr(w, "swap", m.Swap, true)
	jsonw.IntPtr(w, "kernel", m.Kernel, true)
	jsonw.IntPtr(w, "kernelTCP", m.KernelTCP, true)
	jsonw.UintPtr(w, "swappiness", m.Swappiness, true)
	w.BoolPtr("disableOOMKiller", m.DisableOOMKiller, true)
	w.BoolPtr("useHierarchy", m.UseHierarchy, true)
	w.BoolPtr("checkBeforeUpdate", m.CheckBeforeUpdate, true)
	return w.End()
}

func readMemory(dec *jsontext.Decoder, m *specs.LinuxMemory) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "limit":
			return jsonw.ReadPtr(dec, &m.Limit, jsonw.ReadInt)
		case "reservation":
			return jsonw.ReadPtr(dec, &m.Reservation, jsonw.ReadInt)
		case "swap":
			return jsonw.ReadPtr(dec, &m.Swap, jsonw.ReadInt)
		case "kernel":
			return jsonw.ReadPtr(dec, &m.Kernel, jsonw.ReadInt)
		case "kerneltcp":
			return jsonw.ReadPtr(dec, &m.KernelTCP, jsonw.ReadInt)
		case "swappiness":
			return jsonw.ReadPtr(dec, &m.Swappiness, jsonw.ReadUint)
		case "disableoomkiller":
			return jsonw.ReadPtr(dec, &m.DisableOOMKiller, jsonw.ReadBool)
		case "usehierarchy":
			return jsonw.ReadPtr(dec, &m.UseHierarchy, jsonw.ReadBool)
		case "checkbeforeupdate":
			return jsonw.ReadPtr(dec, &m.CheckBeforeUpdate, jsonw.ReadBool)
		}
		return dec.SkipValue()
	})
}

func writeCPU(enc *jsontext.Encoder, c *specs.LinuxCPU) error {
	w := jsonw.Begin(enc)
	jsonw.UintPtr(w, "shares", c.Shares, true)
	jsonw.IntPtr(w, "quota", c.Quota, true)
	jsonw.UintPtr(w, "burst", c.Burst, true)
	jsonw.UintPtr(w, "period", c.Period, true)
	jsonw.IntPtr(w, "realtimeRuntime", c.RealtimeRuntime, true)
	jsonw.UintPtr(w, "realtimePeriod", c.RealtimePeriod, true)
	w.String("cpus", c.Cpus, true)
	w.String("mems", c.Mems, true)
	jsonw.IntPtr(w, "idle", c.Idle, true)
	return w.End()
}

func readCPU(dec *jsontext.Decoder, c *specs.LinuxCPU) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "shares":
			return jsonw.ReadPtr(dec, &c.Shares, jsonw.ReadUint)
		case "quota":
			return jsonw.ReadPtr(dec, &c.Quota, jsonw.ReadInt)
		case "burst":
			return jsonw.ReadPtr(dec, &c.Burst, jsonw.ReadUint)
		case "period":
			return jsonw.ReadPtr(dec, &c.Period, jsonw.ReadUint)
		case "realtimeruntime":
			return jsonw.ReadPtr(dec, &c.RealtimeRuntime, jsonw.ReadInt)
		case "realtimeperiod":
			return jsonw.ReadPtr(dec, &c.RealtimePeriod, jsonw.ReadUint)
		case "cpus":
			return jsonw.ReadString(dec, &c.Cpus)
		case "mems":
			return jsonw.ReadString(dec, &c.Mems)
		case "idle":
			return jsonw.ReadPtr(dec, &c.Idle, jsonw.ReadInt)
		}
		return dec.SkipValue()
	})
}

func writePids(enc *jsontext.Encoder, p *specs.LinuxPids) error {
	w := jsonw.Begin(enc)
	jsonw.IntPtr(w, "limit", p.Limit, true)
	return w.End()
}

func readPids(dec *jsontext.Decoder, p *specs.LinuxPids) error {
	return jsonw.ReadObject(dec, func(name string) error {
		if name == "limit" {
			return jsonw.ReadPtr(dec, &p.Limit, jsonw.ReadInt)
		}
		return dec.SkipValue()
	})
}
