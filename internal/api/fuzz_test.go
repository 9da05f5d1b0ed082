package api_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"mamori/internal/api"
)

// fuzzInput has a field of every kind the decoder handles.
type fuzzInput struct {
	Name     string            `json:"name"`
	ParentID int64             `json:"parent_id,string"`
	Order    int               `json:"sort_order"`
	Flag     bool              `json:"flag"`
	Tags     []string          `json:"tags"`
	Labels   map[string]string `json:"labels"`
	Nested   struct {
		Code string `json:"code"`
	} `json:"nested"`
	Quoted bool `json:"quoted,string"`
}

// FuzzDecodeJSON checks the JSON body decoder on arbitrary bytes: it never
// panics; what it refuses is a client error (400), never a 500; what it
// accepts is one valid JSON object of valid UTF-8, and decoding the
// re-encoded value gives the same value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"総務課","parent_id":"12","sort_order":3}`,
		`{"name":null,"parent_id":null}`,
		`{"tags":["a","b"],"labels":{"k":"v"},"nested":{"code":"x"},"quoted":"true"}`,
		`{"name":"a","name":"b"}`,
		`{"name":"a"} {}`,
		`{"nested":{"code":"x","extra":1}}`,
		"{\"name\":\"\xff\"}",
		`{"parent_id":12}`,
		`{"parent_id":"99999999999999999999"}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in fuzzInput
		err := api.DecodeBody(data, &in)
		if err != nil {
			if status, code := api.ErrorStatus(err); status != 400 {
				t.Fatalf("refusal answered %d %s: %v", status, code, err)
			}
			return
		}
		if !utf8.Valid(data) || !json.Valid(data) {
			t.Fatalf("accepted a body that is not valid UTF-8 JSON: %q", data)
		}
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var back fuzzInput
		if err := api.DecodeBody(again, &back); err != nil {
			t.Fatalf("re-decode %s: %v", again, err)
		}
		if !reflect.DeepEqual(normalise(in), normalise(back)) {
			t.Fatalf("round trip changed the value: %+v → %s → %+v", in, again, back)
		}
	})
}

// normalise treats an empty and a missing collection alike.
func normalise(in fuzzInput) fuzzInput {
	if len(in.Tags) == 0 {
		in.Tags = nil
	}
	if len(in.Labels) == 0 {
		in.Labels = nil
	}
	return in
}
