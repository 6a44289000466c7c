//go:build goexperiment.jsonv2

package cgroups

// State writes and reads itself member by member, as encoding/json would from its tags
// (internal/jsonw says why; state_json_test.go checks it against the reflective form).

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
)

func (s *State) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.StringMap("paths", s.Paths, false)
	jsonw.Strings(w, "created", s.Created, true)
	jsonw.ObjectPtr(w, "systemd", s.Systemd, true)
	return w.End()
}

func (s *State) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "paths":
			return jsonw.ReadStringMap(dec, &s.Paths)
		case "created":
			return jsonw.ReadSlice(dec, &s.Created, jsonw.ReadString)
		case "systemd":
			return jsonw.ReadPtr(dec, &s.Systemd, jsonw.ReadRecord[SystemdState])
		}
		return dec.SkipValue()
	})
}

func (s *SystemdState) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("unit", s.Unit, false)
	w.String("slice", s.Slice, false)
	w.Bool("user", s.User, true)
	return w.End()
}

func (s *SystemdState) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "unit":
			return jsonw.ReadString(dec, &s.Unit)
		case "slice":
			return jsonw.ReadString(dec, &s.Slice)
		case "user":
			return jsonw.ReadBool(dec, &s.User)
		}
		return dec.SkipValue()
	})
}
