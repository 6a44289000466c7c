//go:build goexperiment.jsonv2

package jsonw

import (
	"encoding/base64"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"slices"
)

// Writer writes one JSON object's members; the first error sticks and End returns it.
type Writer struct {
	enc *jsontext.Encoder
	err error
}

// Begin starts an object on enc.
func Begin(enc *jsontext.Encoder) *Writer {
	w := &Writer{enc: enc}
	w.tok(jsontext.BeginObject)
	return w
}

// End closes the object and returns the first error of its writes.
func (w *Writer) End() error {
	w.tok(jsontext.EndObject)
	return w.err
}

func (w *Writer) tok(t jsontext.Token) {
	if w.err == nil {
		w.err = w.enc.WriteToken(t)
	}
}

func (w *Writer) name(n string) { w.tok(jsontext.String(n)) }

// String writes a string member; omit leaves out "" (omitempty).
func (w *Writer) String(name, v string, omit bool) {
	if omit && v == "" {
		return
	}
	w.name(name)
	w.tok(jsontext.String(v))
}

// Bool writes a boolean member; omit leaves out false.
func (w *Writer) Bool(name string, v, omit bool) {
	if omit && !v {
		return
	}
	w.name(name)
	w.tok(jsontext.Bool(v))
}

// Int writes a signed number member; omit leaves out 0.
func Int[T ~int | ~int16 | ~int32 | ~int64](w *Writer, name string, v T, omit bool) {
	if omit && v == 0 {
		return
	}
	w.name(name)
	w.tok(jsontext.Int(int64(v)))
}

// Uint writes an unsigned number member; omit leaves out 0.
func Uint[T ~uint | ~uint16 | ~uint32 | ~uint64 | ~uintptr](w *Writer, name string, v T, omit bool) {
	if omit && v == 0 {
		return
	}
	w.name(name)
	w.tok(jsontext.Uint(uint64(v)))
}

// BoolPtr writes *v, or null; omit leaves out nil.
func (w *Writer) BoolPtr(name string, v *bool, omit bool) {
	if v == nil {
		w.null(name, omit)
		return
	}
	w.Bool(name, *v, false)
}

// IntPtr writes *v, or null; omit leaves out nil.
func IntPtr[T ~int | ~int32 | ~int64](w *Writer, name string, v *T, omit bool) {
	if v == nil {
		w.null(name, omit)
		return
	}
	Int(w, name, *v, false)
}

// UintPtr writes *v, or null; omit leaves out nil.
func UintPtr[T ~uint | ~uint16 | ~uint32 | ~uint64](w *Writer, name string, v *T, omit bool) {
	if v == nil {
		w.null(name, omit)
		return
	}
	Uint(w, name, *v, false)
}

func (w *Writer) null(name string, omit bool) {
	if !omit {
		w.name(name)
		w.tok(jsontext.Null)
	}
}

// array writes the member name and v's elements with each, or null for a nil slice, as
// encoding/json does; omit leaves out an empty or nil slice.
func array[T any](w *Writer, name string, v []T, omit bool, each func(*T)) {
	if len(v) == 0 && (omit || v == nil) {
		w.null(name, omit)
		return
	}
	w.name(name)
	w.tok(jsontext.BeginArray)
	for i := range v {
		each(&v[i])
	}
	w.tok(jsontext.EndArray)
}

// Bytes writes a byte slice as encoding/json does: base64 (standard, padded), nil as
// null; omit leaves out an empty or nil slice.
func (w *Writer) Bytes(name string, v []byte, omit bool) {
	if len(v) == 0 && (omit || v == nil) {
		w.null(name, omit)
		return
	}
	w.String(name, base64.StdEncoding.EncodeToString(v), false)
}

// Strings writes a string array member.
func Strings[T ~string](w *Writer, name string, v []T, omit bool) {
	array(w, name, v, omit, func(s *T) { w.tok(jsontext.String(string(*s))) })
}

// Ints writes an array member of signed numbers.
func Ints[T ~int | ~int32 | ~int64](w *Writer, name string, v []T, omit bool) {
	array(w, name, v, omit, func(n *T) { w.tok(jsontext.Int(int64(*n))) })
}

// Uints writes an array member of unsigned numbers.
func Uints[T ~uint | ~uint32 | ~uint64 | ~uintptr](w *Writer, name string, v []T, omit bool) {
	array(w, name, v, omit, func(n *T) { w.tok(jsontext.Uint(uint64(*n))) })
}

// StringMap writes a map member with its keys sorted, as encoding/json does; nil is null.
func (w *Writer) StringMap(name string, m map[string]string, omit bool) {
	if len(m) == 0 && (omit || m == nil) {
		w.null(name, omit)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.name(name)
	w.tok(jsontext.BeginObject)
	for _, k := range keys {
		w.tok(jsontext.String(k))
		w.tok(jsontext.String(m[k]))
	}
	w.tok(jsontext.EndObject)
}

// marshalerTo is what a record type implements (json.MarshalerTo on its pointer).
type marshalerTo[T any] interface {
	*T
	json.MarshalerTo
}

// Object writes a member that is a record of its own (with its MarshalJSONTo).
func Object[T any, PT marshalerTo[T]](w *Writer, name string, v *T) {
	w.name(name)
	w.value(PT(v))
}

// ObjectPtr writes *v, or null; omit leaves out nil.
func ObjectPtr[T any, PT marshalerTo[T]](w *Writer, name string, v *T, omit bool) {
	if v == nil {
		w.null(name, omit)
		return
	}
	Object[T, PT](w, name, v)
}

// Objects writes an array member of records.
func Objects[T any, PT marshalerTo[T]](w *Writer, name string, v []T, omit bool) {
	array(w, name, v, omit, func(e *T) { w.value(PT(e)) })
}

// Value writes a member whose value write writes (a type of another package).
func Value[T any](w *Writer, name string, v *T, write func(*jsontext.Encoder, *T) error) {
	w.name(name)
	if w.err == nil {
		w.err = write(w.enc, v)
	}
}

// ValuePtr writes *v with write, or null; omit leaves out nil.
func ValuePtr[T any](w *Writer, name string, v *T, omit bool, write func(*jsontext.Encoder, *T) error) {
	if v == nil {
		w.null(name, omit)
		return
	}
	Value(w, name, v, write)
}

// Values writes an array member, each element with write.
func Values[T any](w *Writer, name string, v []T, omit bool, write func(*jsontext.Encoder, *T) error) {
	array(w, name, v, omit, func(e *T) {
		if w.err == nil {
			w.err = write(w.enc, e)
		}
	})
}

func (w *Writer) value(m json.MarshalerTo) {
	if w.err == nil {
		w.err = m.MarshalJSONTo(w.enc)
	}
}

// Any writes a member encoding/json encodes itself (runtime-spec's types, time.Time);
// omit leaves out a nil v (a nil pointer in an interface included).
func (w *Writer) Any(name string, v any, isNil, omit bool) {
	if isNil && omit {
		return
	}
	w.name(name)
	if w.err == nil {
		w.err = json.MarshalEncode(w.enc, v)
	}
}
