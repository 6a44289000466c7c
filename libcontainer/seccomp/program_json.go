//go:build goexperiment.jsonv2

package seccomp

// Program travels to `berth init` as JSON; it writes and reads itself member by member
// (internal/jsonw says why; program_json_test.go checks it against encoding/json).

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
)

func (p *Program) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := jsonw.Begin(enc)
	w.Bytes("bpf", p.BPF, false)
	jsonw.Uint(w, "flags", p.Flags, true)
	w.String("listener_path", p.ListenerPath, true)
	w.String("metadata", p.Metadata, true)
	return w.End()
}

func (p *Program) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "bpf":
			return jsonw.ReadBytes(dec, &p.BPF)
		case "flags":
			return jsonw.ReadUint(dec, &p.Flags)
		case "listener_path":
			return jsonw.ReadString(dec, &p.ListenerPath)
		case "metadata":
			return jsonw.ReadString(dec, &p.Metadata)
		}
		return dec.SkipValue()
	})
}
