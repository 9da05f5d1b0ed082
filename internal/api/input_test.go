package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
)

// Requests that cannot be read or fail validation are answered 400 (413,
// 415) with the fields named, and write nothing at all.
func TestBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "入力財団")
		admin := e.holder(t, authz.Admin).Token
		person := e.newPerson(t, "既存 職員", "きそん", e.s1)
		pPath := "/api/v1/people/" + id(person)
		dPath := "/api/v1/departments/" + id(e.s2)
		long := strings.Repeat("あ", 101)
		badUTF8 := []byte("{\"name\":\"\xff\xfe\"}")

		cases := []struct {
			name        string
			method      string
			path        string
			body        any
			contentType string
			status      int
			code        string
			field       string // "" when no field is named
			fieldCode   string
		}{
			{"unknown field", "POST", "/api/v1/departments", `{"name":"課","colour":"red"}`, "", 400, "bad_request", "colour", "api.unknown_field"},
			{"field with other case", "POST", "/api/v1/departments", `{"Name":"課"}`, "", 400, "bad_request", "Name", "api.unknown_field"},
			{"number for text", "POST", "/api/v1/departments", `{"name":5}`, "", 400, "bad_request", "name", "api.expected_string"},
			{"number for id", "POST", "/api/v1/departments", `{"name":"課","parent_id":12}`, "", 400, "bad_request", "parent_id", "api.expected_id"},
			{"negative id", "POST", "/api/v1/departments", `{"name":"課","parent_id":"-1"}`, "", 400, "bad_request", "parent_id", "api.expected_id"},
			{"word for id", "POST", "/api/v1/departments", `{"name":"課","parent_id":"abc"}`, "", 400, "bad_request", "parent_id", "api.expected_id"},
			{"text for integer", "POST", "/api/v1/departments", `{"name":"課","sort_order":"1"}`, "", 400, "bad_request", "sort_order", "api.expected_integer"},
			{"fraction for integer", "POST", "/api/v1/departments", `{"name":"課","sort_order":1.5}`, "", 400, "bad_request", "sort_order", "api.expected_integer"},
			{"object for text", "POST", "/api/v1/departments", `{"name":{"ja":"課"}}`, "", 400, "bad_request", "name", "api.expected_string"},
			{"invalid UTF-8", "POST", "/api/v1/departments", badUTF8, "", 400, "bad_request", "name", "error.invalid_utf8"},
			{"repeated field", "POST", "/api/v1/departments", `{"name":"課","name":"室"}`, "", 400, "bad_request", "name", "api.duplicate_field"},
			{"trailing data", "POST", "/api/v1/departments", `{"name":"課"} {"name":"室"}`, "", 400, "bad_request", "", ""},
			{"trailing garbage", "POST", "/api/v1/departments", `{"name":"課"}x`, "", 400, "bad_request", "", ""},
			{"malformed", "POST", "/api/v1/departments", `{"name":"課"`, "", 400, "bad_request", "", ""},
			{"array", "POST", "/api/v1/departments", `["課"]`, "", 400, "bad_request", "", ""},
			{"empty body", "POST", "/api/v1/departments", []byte{}, "application/json", 400, "bad_request", "", ""},
			{"form body", "POST", "/api/v1/departments", `name=課`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", "", ""},
			{"other charset", "POST", "/api/v1/departments", `{"name":"課"}`, "application/json; charset=shift_jis", 415, "unsupported_media_type", "", ""},
			{"too large", "POST", "/api/v1/departments", `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, "", 413, "too_large", "", ""},
			{"too long", "POST", "/api/v1/departments", `{"name":"` + long + `"}`, "", 400, "invalid_input", "name", "error.too_long"},
			{"missing name", "POST", "/api/v1/departments", `{}`, "", 400, "invalid_input", "name", "error.required"},
			{"control character", "POST", "/api/v1/departments", `{"name":"課\u0000室"}`, "", 400, "invalid_input", "name", "error.control_character"},
			{"null name", "PATCH", dPath, `{"name":null}`, "", 400, "invalid_input", "name", "error.required"},
			{"sort order out of range", "PATCH", dPath, `{"sort_order":-1}`, "", 400, "invalid_input", "sort_order", "error.range"},
			{"patch unknown field", "PATCH", dPath, `{"name":"x","extra":1}`, "", 400, "bad_request", "extra", "api.unknown_field"},
			{"person unknown department", "POST", "/api/v1/people", `{"name":"新人","department_id":"999999"}`, "", 400, "invalid_input", "department_id", "error.invalid_choice"},
			{"person bad email", "POST", "/api/v1/people", `{"name":"新人","email":"not an email"}`, "", 400, "invalid_input", "email", "error.email"},
			{"person bad category", "POST", "/api/v1/people", `{"name":"新人","staff_category":"boss"}`, "", 400, "invalid_input", "staff_category", "error.invalid_choice"},
			{"person long kana", "PATCH", pPath, `{"name_kana":"` + long + `"}`, "", 400, "invalid_input", "name_kana", "error.too_long"},
			{"person bool for text", "PATCH", pPath, `{"title":true}`, "", 400, "bad_request", "title", "api.expected_string"},
			{"person empty name", "PATCH", pPath, `{"name":"  "}`, "", 400, "invalid_input", "name", "error.required"},
			{"person invalid UTF-8", "PATCH", pPath, []byte("{\"title\":\"\xc3\x28\"}"), "", 400, "bad_request", "title", "error.invalid_utf8"},
			{"unknown role", "POST", pPath + "/roles", `{"role":"king"}`, "", 400, "invalid_input", "role", "error.invalid_choice"},
			{"officer without 部局", "POST", pPath + "/roles", `{"role":"security_officer"}`, "", 400, "invalid_input", "scope_id", "role.department_required"},
			{"officer over a 課室", "POST", pPath + "/roles", `{"role":"security_officer","scope_id":"` + id(e.s1) + `"}`, "", 400, "invalid_input", "scope_id", "role.bureau_required"},
			{"number scope", "POST", pPath + "/roles", `{"role":"security_officer","scope_id":12}`, "", 400, "bad_request", "scope_id", "api.expected_id"},
			{"staff role", "POST", pPath + "/roles", `{"role":"staff"}`, "", 400, "invalid_input", "role", "role.staff_implied"},
			{"limit zero", "GET", "/api/v1/people?limit=0", nil, "", 400, "invalid_input", "limit", "error.out_of_range"},
			{"limit too big", "GET", "/api/v1/people?limit=201", nil, "", 400, "invalid_input", "limit", "error.out_of_range"},
			{"limit word", "GET", "/api/v1/people?limit=ten", nil, "", 400, "invalid_input", "limit", "error.out_of_range"},
			{"bad cursor", "GET", "/api/v1/people?cursor=%25%25", nil, "", 400, "invalid_input", "cursor", "error.invalid_cursor"},
			{"search invalid UTF-8", "GET", "/api/v1/people?q=%ff", nil, "", 400, "invalid_input", "q", "error.invalid_utf8"},
			{"search too long", "GET", "/api/v1/people?q=" + strings.Repeat("x", 101), nil, "", 400, "invalid_input", "q", "error.too_long"},
			{"bad category filter", "GET", "/api/v1/people?staff_category=boss", nil, "", 400, "invalid_input", "staff_category", "error.invalid_choice"},
			{"bad active filter", "GET", "/api/v1/people?active=maybe", nil, "", 400, "invalid_input", "active", "error.invalid_choice"},
			{"bad department filter", "GET", "/api/v1/people?department_id=x", nil, "", 400, "invalid_input", "department_id", "error.invalid_number"},
			{"bad department cursor", "GET", "/api/v1/departments?cursor=999999", nil, "", 400, "invalid_input", "cursor", "error.invalid_cursor"},
			{"bad trail cursor", "GET", "/api/v1/trail?cursor=abc", nil, "", 400, "invalid_input", "cursor", "error.invalid_cursor"},
			{"bad trail date", "GET", "/api/v1/trail?from=yesterday", nil, "", 400, "invalid_input", "from", "api.invalid_time"},
			{"bad trail action", "GET", "/api/v1/trail?action=explode", nil, "", 400, "invalid_input", "action", "error.invalid_choice"},
			{"bad trail actor", "GET", "/api/v1/trail?actor_id=-1", nil, "", 400, "invalid_input", "actor_id", "error.invalid_number"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				seq, hash := e.head(t)
				before := e.do(t, req{Method: "GET", Path: pPath, Token: admin}).Body
				res := e.do(t, req{Method: c.method, Path: c.path, Token: admin, Body: c.body, ContentType: c.contentType})
				if res.Status != c.status {
					t.Fatalf("status %d, want %d: %s", res.Status, c.status, res.Body)
				}
				if code := res.errorCode(t); code != c.code {
					t.Errorf("code %q, want %q", code, c.code)
				}
				fields := res.fieldCodes(t)
				if c.field != "" && fields[c.field] != c.fieldCode {
					t.Errorf("fields %v, want %s=%s", fields, c.field, c.fieldCode)
				}
				if c.field == "" && len(fields) != 0 {
					t.Errorf("fields %v, want none", fields)
				}
				if bytes.Contains(res.Body, []byte("json:")) || bytes.Contains(res.Body, []byte("sql")) {
					t.Errorf("internal text in the answer: %s", res.Body)
				}
				if s, h := e.head(t); s != seq || h != hash {
					t.Errorf("trail head moved from %d to %d", seq, s)
				}
				if after := e.do(t, req{Method: "GET", Path: pPath, Token: admin}).Body; !bytes.Equal(before, after) {
					t.Errorf("person changed: %s → %s", before, after)
				}
			})
		}
	})
}

// Messages follow Accept-Language, Japanese by default.
func TestErrorLanguage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "言語財団")
		admin := e.holder(t, authz.Admin).Token
		for _, c := range []struct {
			accept, want string
		}{
			{"", "入力してください。"},
			{"ja", "入力してください。"},
			{"en-GB,en;q=0.9", "Enter a value."},
			{"fr", "入力してください。"},
		} {
			res := e.do(t, req{Method: "POST", Path: "/api/v1/departments", Token: admin, Body: `{"name":""}`,
				Header: map[string]string{"Accept-Language": c.accept}})
			var b struct {
				Error struct {
					Message string
					Fields  map[string]struct{ Code, Message string }
				}
			}
			res.Decode(t, &b)
			if got := b.Error.Fields["name"].Message; got != c.want {
				t.Errorf("Accept-Language %q: %q, want %q", c.accept, got, c.want)
			}
			if b.Error.Message == "" || b.Error.Message == "error.invalid_input" {
				t.Errorf("Accept-Language %q: message %q", c.accept, b.Error.Message)
			}
		}
		res := e.do(t, req{Method: "GET", Path: "/api/v1/me", Header: map[string]string{"Accept-Language": "en"}})
		if !strings.Contains(res.JSON(t)["error"].(map[string]any)["message"].(string), "token") {
			t.Errorf("English 401: %s", res.Body)
		}
		if res.Status != http.StatusUnauthorized {
			t.Errorf("status %d", res.Status)
		}
	})
}
