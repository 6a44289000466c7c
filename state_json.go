//go:build goexperiment.jsonv2

package main

// `berth state` and `berth list --format json` print containerState member by member, as
// encoding/json would from its tags (internal/jsonw says why; engines such as podman ask
// for the state of a container often). state_json_test.go checks it against the
// reflective form.

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
)

// MarshalJSONTo has a value receiver: `state` prints the value describe returns.
func (s containerState) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.String("ociVersion", s.OCIVersion, false)
	w.String("id", s.ID, false)
	jsonw.Int(w, "pid", s.Pid, false)
	w.String("status", s.Status, false)
	w.String("bundle", s.Bundle, false)
	w.String("rootfs", s.Rootfs, false)
	w.Any("created", s.Created, false, false)
	w.StringMap("annotations", s.Annotations, true)
	w.String("owner", s.Owner, false)
	return w.End()
}

func (s *containerState) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "ociversion":
			return jsonw.ReadString(dec, &s.OCIVersion)
		case "id":
			return jsonw.ReadString(dec, &s.ID)
		case "pid":
			return jsonw.ReadInt(dec, &s.Pid)
		case "status":
			return jsonw.ReadString(dec, &s.Status)
		case "bundle":
			return jsonw.ReadString(dec, &s.Bundle)
		case "rootfs":
			return jsonw.ReadString(dec, &s.Rootfs)
		case "created":
			return jsonw.ReadAny(dec, &s.Created)
		case "annotations":
			return jsonw.ReadStringMap(dec, &s.Annotations)
		case "owner":
			return jsonw.ReadString(dec, &s.Owner)
		}
		return dec.SkipValue()
	})
}
