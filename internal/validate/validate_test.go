package validate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in        string
		required  bool
		multiline bool
		want      string
		key       string
	}{
		{"  山田  ", true, false, "山田", ""},
		{"   ", true, false, "", "error.required"},
		{"", false, false, "", ""},
		{strings.Repeat("あ", 11), false, false, "", "error.too_long"},
		{"a\x00b", false, false, "", "error.control_character"},
		{"一行目\n二行目", false, true, "一行目\n二行目", ""},
		{"一行目\n二行目", false, false, "", "error.control_character"},
		{"\xff", false, false, "", "error.invalid_utf8"},
	}
	for _, c := range cases {
		e := Errors{}
		got := e.Text("f", c.in, c.required, 10, c.multiline)
		if e["f"].Key != c.key {
			t.Errorf("%q: key %q, want %q", c.in, e["f"].Key, c.key)
		}
		if c.key == "" && got != c.want {
			t.Errorf("%q: got %q", c.in, got)
		}
	}
}

type fieldErr struct{}

func (fieldErr) Error() string              { return "bad password" }
func (fieldErr) FieldKey() (string, string) { return "password", "password.too_short" }

func TestAs(t *testing.T) {
	t.Parallel()
	if ve, ok := As(fmt.Errorf("wrapped: %w", fieldErr{})); !ok || ve["password"].Key != "password.too_short" {
		t.Errorf("field error not recognised: %v", ve)
	}
	if _, ok := As(errors.New("plain")); ok {
		t.Error("plain error taken for a field problem")
	}
	if ve, ok := As(Errors{"name": {Key: "error.required"}}); !ok || len(ve) != 1 {
		t.Error("Errors not recognised")
	}
}
