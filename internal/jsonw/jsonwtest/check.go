//go:build goexperiment.jsonv2

// Package jsonwtest checks a record type's hand-written JSON methods (internal/jsonw)
// against encoding/json's reflective form of the same struct, for the record's unit tests.
package jsonwtest

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// Check fills a T (every exported member set, recursively), then for it, for its zero
// value and for it with each member zeroed in turn, requires that:
//   - T's MarshalJSONTo writes the bytes encoding/json writes for plain(v), the same
//     struct without the methods (a `type plainT T` conversion);
//   - T's UnmarshalJSONFrom reads those bytes back to v, and reads them with an unknown
//     member added as encoding/json does;
//   - with any one member null, T reads the same as encoding/json over a filled value.
//
// A member added to T and not to its methods fails the first check, since Fill sets it.
func Check[T any](t *testing.T, plain func(*T) any) {
	t.Helper()
	CheckWith(t, func(v *T) any { return v }, plain)
}

// Funcs gives a type of another package (runtime-spec's) the JSON methods of a writer and
// a reader function, for CheckWith; a nil Write leaves writing to encoding/json.
type Funcs[T any] struct {
	V     *T
	Write func(*jsontext.Encoder, *T) error
	Read  func(*jsontext.Decoder, *T) error
}

func (f Funcs[T]) MarshalJSONTo(enc *jsontext.Encoder) error {
	if f.Write == nil {
		return jsonv2.MarshalEncode(enc, f.V)
	}
	return f.Write(enc, f.V)
}

func (f Funcs[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error { return f.Read(dec, f.V) }

// CheckWith is Check where hand(v) is what writes and reads v by hand (v itself, or Funcs
// around it) and plain(v) what encoding/json handles by reflection.
func CheckWith[T any](t *testing.T, hand, plain func(*T) any) {
	t.Helper()
	var full T
	Fill(reflect.ValueOf(&full).Elem())
	variants := map[string]T{"filled": full, "zero": *new(T)}
	typ := reflect.TypeFor[T]()
	for i := 0; i < typ.NumField(); i++ {
		if !typ.Field(i).IsExported() {
			continue
		}
		v := clone(t, plain, full)
		reflect.ValueOf(&v).Elem().Field(i).SetZero()
		variants["without "+typ.Field(i).Name] = v
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(hand(&v))
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(plain(&v))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("MarshalJSONTo and encoding/json differ: %s", firstDifference(got, want))
			}
			var back T
			if err := json.Unmarshal(want, hand(&back)); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, v) {
				t.Fatalf("UnmarshalJSONFrom read %s as\n%+v\nwant\n%+v", want, back, v)
			}
			if len(want) > 2 {
				extra := append([]byte(`{"Unknown":{"a":[1,null,"x"]},`), want[1:]...)
				back = *new(T)
				if err := json.Unmarshal(extra, hand(&back)); err != nil {
					t.Fatalf("with an unknown member: %v", err)
				}
				if !reflect.DeepEqual(back, v) {
					t.Fatalf("with an unknown member: read\n%+v\nwant\n%+v", back, v)
				}
			}
			for _, member := range members(t, want) {
				in := withNull(t, want, member)
				byHand, refl := clone(t, plain, full), clone(t, plain, full)
				herr := json.Unmarshal(in, hand(&byHand))
				rerr := json.Unmarshal(in, plain(&refl))
				if (herr == nil) != (rerr == nil) {
					t.Fatalf("%s null: UnmarshalJSONFrom error %v, encoding/json's %v", member, herr, rerr)
				}
				if !reflect.DeepEqual(byHand, refl) {
					t.Fatalf("%s null: UnmarshalJSONFrom read\n%+v\nencoding/json reads\n%+v", member, byHand, refl)
				}
			}
		})
	}
}

// firstDifference shows where a and b part, with some bytes before.
func firstDifference(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Sprintf("at byte %d, ...%s| against ...%s|", i, a[from:min(len(a), i+40)], b[from:min(len(b), i+40)])
}

// clone deep-copies v through encoding/json's reflective form.
func clone[T any](t *testing.T, plain func(*T) any, v T) T {
	t.Helper()
	b, err := json.Marshal(plain(&v))
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, plain(&out)); err != nil {
		t.Fatal(err)
	}
	return out
}

// members lists the names of the JSON object doc's members.
func members(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.ReadToken(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.String())
		if err := dec.SkipValue(); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// withNull is doc with member's value replaced by null.
func withNull(t *testing.T, doc []byte, member string) []byte {
	t.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(doc))
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out)
	tok, err := dec.ReadToken()
	if err != nil {
		t.Fatal(err)
	}
	enc.WriteToken(tok)
	for dec.PeekKind() == '"' {
		name, err := dec.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		n := name.String()
		enc.WriteToken(jsontext.String(n))
		val, err := dec.ReadValue()
		if err != nil {
			t.Fatal(err)
		}
		if n == member {
			val = jsontext.Value("null")
		}
		if err := enc.WriteValue(val); err != nil {
			t.Fatal(err)
		}
	}
	enc.WriteToken(jsontext.EndObject)
	return out.Bytes()
}

var counter int

// Fill sets every exported member of v, recursively, to a value that is not zero:
// numbers count up, strings say where they are, slices and maps get two entries.
func Fill(v reflect.Value) {
	counter++
	n := counter%100 + 1
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 7, 1, 2, 3, 456789, time.UTC)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				Fill(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		Fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		Fill(v.Index(0))
		Fill(v.Index(1))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			Fill(k)
			Fill(e)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s<%d>&\"x\"", n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(n) + 0.5)
	}
}
