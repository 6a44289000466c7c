//go:build goexperiment.jsonv2

package libcontainer

// State (state.json) and partial (creating.json) write and read themselves member by
// member, as encoding/json would from their tags (internal/jsonw says why;
// state_json_test.go checks them against the reflective form).

import (
	"encoding/json"
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
	"github.com/berth-runtime/berth/internal/specjson"
	"github.com/berth-runtime/berth/libcontainer/configs"
)

func (s *State) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("id", s.ID, false)
	w.String("bundle", s.Bundle, false)
	w.String("rootfs", s.Rootfs, false)
	w.Any("created", s.Created, false, false)
	w.String("owner", s.Owner, false)
	jsonw.Int(w, "init_pid", s.InitPid, false)
	jsonw.Uint(w, "init_start_time", s.InitStartTime, false)
	jsonw.ObjectPtr(w, "config", s.Config, false)
	jsonw.Object(w, "cgroup", &s.Cgroup)
	return w.End()
}

func (s *State) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return s.read(dec, jsonw.ReadRecord[configs.Config])
}

// summary is State as LoadSummary reads it: of the configuration only the annotations,
// hooks, cgroups path and Intel RDT group; the rest is scanned past, and encoding/json
// never meets the resources' and seccomp's types.
type summary State

func (s *summary) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return (*State)(s).read(dec, func(dec *jsontext.Decoder, c *configs.Config) error {
		return jsonw.ReadObject(dec, func(name string) error {
			switch name {
			case "annotations":
				return jsonw.ReadStringMap(dec, &c.Annotations)
			case "hooks":
				return jsonw.ReadPtr(dec, &c.Hooks, specjson.ReadHooks)
			case "cgroups_path":
				return jsonw.ReadString(dec, &c.CgroupsPath)
			case "intel_rdt":
				return jsonw.ReadAny(dec, &c.IntelRdt)
			}
			return dec.SkipValue()
		})
	})
}

// decodeSummary reads state.json for LoadSummary.
func decodeSummary(data []byte) (*State, error) {
	st := &State{}
	if err := json.Unmarshal(data, (*summary)(st)); err != nil {
		return nil, err
	}
	return st, nil
}

func (s *State) read(dec *jsontext.Decoder, readConfig func(*jsontext.Decoder, *configs.Config) error) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "id":
			return jsonw.ReadString(dec, &s.ID)
		case "bundle":
			return jsonw.ReadString(dec, &s.Bundle)
		case "rootfs":
			return jsonw.ReadString(dec, &s.Rootfs)
		case "created":
			return jsonw.ReadAny(dec, &s.Created)
		case "owner":
			return jsonw.ReadString(dec, &s.Owner)
		case "init_pid":
			return jsonw.ReadInt(dec, &s.InitPid)
		case "init_start_time":
			return jsonw.ReadUint(dec, &s.InitStartTime)
		case "config":
			return jsonw.ReadPtr(dec, &s.Config, readConfig)
		case "cgroup":
			return s.Cgroup.UnmarshalJSONFrom(dec)
		}
		return dec.SkipValue()
	})
}

func (p *partial) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	jsonw.Object(w, "cgroup", &p.Cgroup)
	w.Any("intel_rdt", p.IntelRdt, p.IntelRdt == nil, true)
	jsonw.Int(w, "init_pid", p.InitPid, true)
	jsonw.Uint(w, "init_start_time", p.InitStartTime, true)
	return w.End()
}

func (p *partial) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "cgroup":
			return p.Cgroup.UnmarshalJSONFrom(dec)
		case "intel_rdt":
			return jsonw.ReadAny(dec, &p.IntelRdt)
		case "init_pid":
			return jsonw.ReadInt(dec, &p.InitPid)
		case "init_start_time":
			return jsonw.ReadUint(dec, &p.InitStartTime)
		}
		return dec.SkipValue()
	})
}
