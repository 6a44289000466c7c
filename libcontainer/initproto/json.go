//go:build goexperiment.jsonv2

package initproto

// The parent's and init's messages write and read themselves member by member, as
// encoding/json would from their tags (internal/jsonw says why; json_test.go checks them
// against the reflective form). Both processes are fresh: each would otherwise build
// encoding/json's tables for every message type.

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
)

func (m *Message) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("type", string(m.Type), false)
	w.String("error", m.Error, true)
	jsonw.ObjectPtr(w, "config", m.Config, true)
	jsonw.ObjectPtr(w, "seccomp", m.Seccomp, true)
	jsonw.Int(w, "mount", m.Mount, true)
	w.Any("stages", m.Stages, len(m.Stages) == 0, true)
	return w.End()
}

func (m *Message) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "type":
			return jsonw.ReadString(dec, &m.Type)
		case "error":
			return jsonw.ReadString(dec, &m.Error)
		case "config":
			return jsonw.ReadPtr(dec, &m.Config, jsonw.ReadRecord[InitConfig])
		case "seccomp":
			return jsonw.ReadPtr(dec, &m.Seccomp, jsonw.ReadRecord[seccomp.Program])
		case "mount":
			return jsonw.ReadInt(dec, &m.Mount)
		case "stages":
			return jsonw.ReadAny(dec, &m.Stages)
		}
		return dec.SkipValue()
	})
}

func (c *InitConfig) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("mode", c.Mode, false)
	w.String("id", c.ID, false)
	w.String("bundle", c.Bundle, false)
	jsonw.ObjectPtr(w, "config", c.Config, true)
	jsonw.ObjectPtr(w, "process", c.Process, true)
	w.Bool("new_cgroupns", c.NewCgroupNS, true)
	jsonw.Int(w, "pid", c.Pid, false)
	jsonw.Int(w, "preserve_fds", c.PreserveFDs, true)
	jsonw.Strings(w, "extra_env", c.ExtraEnv, true)
	jsonw.ObjectPtr(w, "seccomp", c.Seccomp, true)
	w.Bool("debug", c.Debug, true)
	jsonw.Ints(w, "mount_sources", c.MountSources, true)
	w.Bool("foreground_tty", c.ForegroundTTY, true)
	return w.End()
}

func (c *InitConfig) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "mode":
			return jsonw.ReadString(dec, &c.Mode)
		case "id":
			return jsonw.ReadString(dec, &c.ID)
		case "bundle":
			return jsonw.ReadString(dec, &c.Bundle)
		case "config":
			return jsonw.ReadPtr(dec, &c.Config, jsonw.ReadRecord[configs.Config])
		case "process":
			return jsonw.ReadPtr(dec, &c.Process, jsonw.ReadRecord[configs.Process])
		case "new_cgroupns":
			return jsonw.ReadBool(dec, &c.NewCgroupNS)
		case "pid":
			return jsonw.ReadInt(dec, &c.Pid)
		case "preserve_fds":
			return jsonw.ReadInt(dec, &c.PreserveFDs)
		case "extra_env":
			return jsonw.ReadSlice(dec, &c.ExtraEnv, jsonw.ReadString)
		case "seccomp":
			return jsonw.ReadPtr(dec, &c.Seccomp, jsonw.ReadRecord[ExecSeccomp])
		case "debug":
			return jsonw.ReadBool(dec, &c.Debug)
		case "mount_sources":
			return jsonw.ReadSlice(dec, &c.MountSources, jsonw.ReadInt)
		case "foreground_tty":
			return jsonw.ReadBool(dec, &c.ForegroundTTY)
		}
		return dec.SkipValue()
	})
}

func (s *ExecSeccomp) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.ObjectPtr(w, "program", s.Program, false)
	w.Any("state", &s.State, false, false)
	return w.End()
}

func (s *ExecSeccomp) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "program":
			return jsonw.ReadPtr(dec, &s.Program, jsonw.ReadRecord[seccomp.Program])
		case "state":
			return jsonw.ReadAny(dec, &s.State)
		}
		return dec.SkipValue()
	})
}
