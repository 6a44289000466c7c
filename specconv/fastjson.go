//go:build goexperiment.jsonv2

package specconv

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"io"

	"github.com/berth-runtime/berth/internal/specjson"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// readSpecFast reads config.json with internal/specjson, as encoding/json reads it but
// without building its reflective decoders (~0.25 ms of every create). ok is false for
// whatever it does not take, a trailing second document included.
func readSpecFast(data []byte) (*specs.Spec, bool) { return readFast(data, specjson.ReadSpec) }

// readProcessFast is readSpecFast for exec's --process document.
func readProcessFast(data []byte) (*specs.Process, bool) {
	return readFast(data, specjson.ReadProcess)
}

// readFast reads data as one document with read, under encoding/json's v1 rules except
// that a member named twice in an object and invalid UTF-8 are errors: encoding/json
// merges the one and replaces the other in its own ways, so such a document is left to it.
func readFast[T any](data []byte, read func(*jsontext.Decoder, *T) error) (*T, bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), json.DefaultOptionsV1(),
		jsontext.AllowDuplicateNames(false), jsontext.AllowInvalidUTF8(false))
	v := new(T)
	if err := read(dec, v); err != nil {
		return nil, false
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// cloneFast deep-copies the spec's resources, seccomp and hooks through specjson's
// writers and readers; done is false for the other types.
func cloneFast(in, out any) (done bool, err error) {
	switch in := in.(type) {
	case *specs.LinuxResources:
		return true, clone(in, out.(*specs.LinuxResources), specjson.WriteResources, specjson.ReadResources)
	case *specs.LinuxSeccomp:
		return true, clone(in, out.(*specs.LinuxSeccomp), specjson.WriteSeccomp, specjson.ReadSeccomp)
	case *specs.Hooks:
		return true, clone(in, out.(*specs.Hooks), specjson.WriteHooks, specjson.ReadHooks)
	}
	return false, nil
}

func clone[T any](in, out *T, write func(*jsontext.Encoder, *T) error, read func(*jsontext.Decoder, *T) error) error {
	var buf bytes.Buffer
	if err := write(jsontext.NewEncoder(&buf, json.DefaultOptionsV1()), in); err != nil {
		return err
	}
	return read(jsontext.NewDecoder(&buf, json.DefaultOptionsV1()), out)
}
