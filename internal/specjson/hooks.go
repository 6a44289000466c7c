//go:build goexperiment.jsonv2

package specjson

import (
	"encoding/json/jsontext"

	"github.com/berth-runtime/berth/internal/jsonw"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// WriteHooks writes hooks.
func WriteHooks(enc *jsontext.Encoder, h *specs.Hooks) error {
	w := jsonw.Begin(enc)
	jsonw.Values(w, "prestart", h.Prestart, true, writeHook)
	jsonw.Values(w, "createRuntime", h.CreateRuntime, true, writeHook)
	jsonw.Values(w, "createContainer", h.CreateContainer, true, writeHook)
	jsonw.Values(w, "startContainer", h.StartContainer, true, writeHook)
	jsonw.Values(w, "poststart", h.Poststart, true, writeHook)
	jsonw.Values(w, "poststop", h.Poststop, true, writeHook)
	return w.End()
}

// ReadHooks reads hooks.
func ReadHooks(dec *jsontext.Decoder, h *specs.Hooks) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "prestart":
			return jsonw.ReadSlice(dec, &h.Prestart, readHook)
		case "createruntime":
			return jsonw.ReadSlice(dec, &h.CreateRuntime, readHook)
		case "createcontainer":
			return jsonw.ReadSlice(dec, &h.CreateContainer, readHook)
		case "startcontainer":
			return jsonw.ReadSlice(dec, &h.StartContainer, readHook)
		case "poststart":
			return jsonw.ReadSlice(dec, &h.Poststart, readHook)
		case "poststop":
			return jsonw.ReadSlice(dec, &h.Poststop, readHook)
		}
		return dec.SkipValue()
	})
}

func writeHook(enc *jsontext.Encoder, h *specs.Hook) error {
	w := jsonw.Begin(enc)
	w.String("path", h.Path, false)
	jsonw.Strings(w, "args", h.Args, true)
	jsonw.Strings(w, "env", h.Env, true)
	jsonw.IntPtr(w, "timeout", h.Timeout, true)
	return w.End()
}

func readHook(dec *jsontext.Decoder, h *specs.Hook) error {
	return jsonw.ReadObject(dec, func(name string) error {
		switch name {
		case "path":
			return jsonw.ReadString(dec, &h.Path)
		case "args":
			return jsonw.ReadSlice(dec, &h.Args, jsonw.ReadString)
		case "env":
			return jsonw.ReadSlice(dec, &h.Env, jsonw.ReadString)
		case "timeout":
			return jsonw.ReadPtr(dec, &h.Timeout, jsonw.ReadInt)
		}
		return dec.SkipValue()
	})
}
