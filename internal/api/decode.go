package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"mamori/internal/validate"
)

// MaxBody is the largest request body the API reads.
const MaxBody = 1 << 20

// maxFieldProblems bounds the field list of one error response, so a body
// of a hundred thousand unknown keys does not come back as a huge answer.
const maxFieldProblems = 20

// decodeJSON reads a JSON body into dst, a pointer to a struct that may
// already hold values: fields absent from the body keep them, which is how
// PATCH changes only what it names.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	data, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decodeBody(data, dst)
}

// readBody checks the Content-Type and reads at most MaxBody bytes. Handlers
// read the body before opening a transaction, so a slow client never holds
// a database lock.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", key: "api.unsupported_media_type"}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", key: "api.unsupported_media_type"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large", key: "api.too_large", args: []any{MaxBody}, err: err}
	}
	if err != nil {
		e := badRequest("error.bad_request")
		e.err = fmt.Errorf("cannot read request body: %w", err)
		return nil, e
	}
	return data, nil
}

// decodeBody is decodeJSON's work on bytes. It accepts exactly one JSON
// object of valid UTF-8 whose keys are the struct's JSON field names, each
// once. Every problem it finds is an *apiError answered with 400, and it
// names the fields concerned: unknown, repeated, of the wrong type or not
// UTF-8. An explicit null sets a field to its zero value (for an id: none).
func decodeBody(data []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("api: cannot decode into %T: want a pointer to a struct", dst)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest("api.body_required")
	}
	known := fieldsOf(rv.Elem().Type())
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	malformed := func(err error) error {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		e := badRequest("api.malformed_json", off)
		e.err = err
		return e
	}
	tok, err := dec.Token()
	if err != nil {
		return malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return badRequest("api.body_not_object")
	}
	problems := validate.Errors{}
	add := func(field, key string) {
		if len(problems) < maxFieldProblems {
			problems.Add(clip(field, 64), key)
		}
	}
	type member struct {
		f   jsonField
		raw json.RawMessage
	}
	var members []member
	seen := map[string]bool{}
	for dec.More() {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return malformed(err)
		}
		key, _ := tok.(string)
		keyUTF8 := utf8.Valid(data[start:dec.InputOffset()])
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return malformed(err)
		}
		if !keyUTF8 {
			// The decoder has replaced the bad bytes, so the key cannot be
			// named back to the client.
			return badRequest("api.invalid_body_utf8")
		}
		f, ok := known[key]
		switch {
		case seen[key]:
			add(key, "api.duplicate_field")
		case !utf8.Valid(raw):
			add(key, "error.invalid_utf8")
		case !ok:
			add(key, "api.unknown_field")
		default:
			members = append(members, member{f, raw})
		}
		seen[key] = true
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return malformed(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("api.trailing_data")
	}
	if len(problems) > 0 {
		return badFields(problems)
	}
	if !utf8.Valid(data) {
		return badRequest("api.invalid_body_utf8")
	}
	for _, m := range members {
		if key := setField(rv.Elem().FieldByIndex(m.f.index), m.f, m.raw); key != "" {
			add(m.f.name, key)
		}
	}
	if len(problems) > 0 {
		return badFields(problems)
	}
	return nil
}

// setField stores one member's value, returning a message key when the
// value does not fit the field.
func setField(fv reflect.Value, f jsonField, raw json.RawMessage) string {
	if bytes.Equal(raw, []byte("null")) {
		fv.SetZero()
		return ""
	}
	if f.quoted && isInt(fv.Kind()) {
		// Ids travel as strings of digits; encoding/json would also take
		// " 12" or "-3" and its error would not name the field.
		var s string
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil || s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" {
			return "api.expected_id"
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || fv.OverflowInt(n) {
			return "api.expected_id"
		}
		fv.SetInt(n)
		return ""
	}
	// Anything else goes through encoding/json in a one-field struct with
	// the same tag options, so nested values follow the usual rules (and
	// DisallowUnknownFields) while the error stays tied to this field.
	tag := `json:"v"`
	if f.quoted {
		tag = `json:"v,string"`
	}
	wt := reflect.StructOf([]reflect.StructField{{Name: "V", Type: fv.Type(), Tag: reflect.StructTag(tag)}})
	wrapper := reflect.New(wt)
	body := make([]byte, 0, len(raw)+6)
	body = append(append(append(body, `{"v":`...), raw...), '}')
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(wrapper.Interface()); err != nil {
		return typeKey(fv.Type())
	}
	fv.Set(wrapper.Elem().Field(0))
	return ""
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// typeKey names what a field expects, for the error message.
func typeKey(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "api.invalid_value"
	}
	switch k := t.Kind(); {
	case k == reflect.String:
		return "api.expected_string"
	case k == reflect.Bool:
		return "api.expected_boolean"
	case isInt(k) || k >= reflect.Uint && k <= reflect.Uint64:
		return "api.expected_integer"
	case k == reflect.Float32 || k == reflect.Float64:
		return "api.expected_number"
	case k == reflect.Slice || k == reflect.Array:
		return "api.expected_array"
	case k == reflect.Pointer:
		return typeKey(t.Elem())
	}
	return "api.expected_object"
}

func isInt(k reflect.Kind) bool { return k >= reflect.Int && k <= reflect.Int64 }

// jsonField is a struct field as a JSON member.
type jsonField struct {
	name   string
	index  []int
	quoted bool // the ",string" option
}

var fieldCache sync.Map // reflect.Type → map[string]jsonField

// fieldsOf lists a struct's JSON members by their exact names (unlike
// encoding/json, a differently capitalised key is an unknown field).
// Embedded structs without a tag contribute their fields.
func fieldsOf(t reflect.Type) map[string]jsonField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]jsonField)
	}
	m := map[string]jsonField{}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
				walk(sf.Type, idx)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if _, dup := m[name]; dup {
				continue
			}
			quoted := false
			for o := range strings.SplitSeq(opts, ",") {
				quoted = quoted || o == "string"
			}
			m[name] = jsonField{name: name, index: idx, quoted: quoted}
		}
	}
	walk(t, nil)
	fieldCache.Store(t, m)
	return m
}
