package api_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/dbtest"
)

// The OpenAPI document describes exactly the routes of the table: a route
// missing from the document, or a document path no route serves, fails.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, h := newAPI(t, d, nil)
		res := call(t, h, req{Method: "GET", Path: "/api/v1/openapi.json"}) // no token needed
		if res.Status != 200 {
			t.Fatalf("openapi.json: %d %s", res.Status, res.Body)
		}
		var doc struct {
			OpenAPI    string `json:"openapi"`
			Security   []map[string][]string
			Paths      map[string]map[string]json.RawMessage
			Components struct {
				SecuritySchemes map[string]struct{ Type, Scheme string } `json:"securitySchemes"`
				Schemas         map[string]json.RawMessage
			}
		}
		res.Decode(t, &doc)
		if doc.OpenAPI != "3.0.3" {
			t.Errorf("openapi %q", doc.OpenAPI)
		}
		if s := doc.Components.SecuritySchemes["bearerAuth"]; s.Type != "http" || s.Scheme != "bearer" || len(doc.Security) != 1 {
			t.Errorf("bearer security scheme: %+v %+v", doc.Components.SecuritySchemes, doc.Security)
		}
		routes := map[string]bool{}
		for _, rt := range srv.Routes() {
			routes[rt.Key()] = true
			op, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]
			if !ok {
				t.Errorf("route %s is missing from the OpenAPI document", rt.Key())
				continue
			}
			var o struct {
				OperationID string `json:"operationId"`
				Parameters  []struct {
					Name, In string
					Required bool
				}
				RequestBody *struct {
					Content map[string]json.RawMessage
				} `json:"requestBody"`
				Responses  map[string]struct{ Content map[string]json.RawMessage }
				Security   *[]any
				Permission string `json:"x-mamori-permission"`
			}
			if err := json.Unmarshal(op, &o); err != nil {
				t.Fatalf("%s: %v", rt.Key(), err)
			}
			if o.OperationID == "" || len(o.Responses) == 0 {
				t.Errorf("%s: no operationId or responses", rt.Key())
			}
			if o.Permission != string(rt.Permission) {
				t.Errorf("%s: documented permission %q, route has %q", rt.Key(), o.Permission, rt.Permission)
			}
			if rt.Public != (o.Security != nil && len(*o.Security) == 0) {
				t.Errorf("%s: public %v but the document's security says otherwise", rt.Key(), rt.Public)
			}
			// Every {param} of the pattern is documented as a path parameter.
			var inPath []string
			for _, p := range o.Parameters {
				if p.In == "path" {
					inPath = append(inPath, p.Name)
					if !p.Required {
						t.Errorf("%s: path parameter %s not required", rt.Key(), p.Name)
					}
				}
			}
			var want []string
			for _, m := range regexp.MustCompile(`\{([a-z_]+)\}`).FindAllStringSubmatch(rt.Pattern, -1) {
				want = append(want, m[1])
			}
			if !slices.Equal(inPath, want) {
				t.Errorf("%s: path parameters %v, want %v", rt.Key(), inPath, want)
			}
			// Steps that need nothing but the record take no body.
			bodyless := false
			for _, suffix := range []string{"/disable", "/enable", "/versions", "/submit", "/approve", "/vote", "/acknowledge", "/open", "/close"} {
				bodyless = bodyless || strings.HasSuffix(rt.Pattern, suffix)
			}
			takesBody := (rt.Method == "POST" || rt.Method == "PATCH" || rt.Method == "PUT") && !bodyless
			// A body is JSON, or a file upload (multipart/form-data).
			if takesBody != (o.RequestBody != nil) || takesBody && o.RequestBody.Content["application/json"] == nil &&
				o.RequestBody.Content["multipart/form-data"] == nil {
				t.Errorf("%s: request body documented %v, want %v", rt.Key(), o.RequestBody != nil, takesBody)
			}
			if !rt.Public {
				if _, ok := o.Responses["401"]; !ok {
					t.Errorf("%s: 401 not documented", rt.Key())
				}
			}
		}
		for path, ops := range doc.Paths {
			for method := range ops {
				key := strings.ToUpper(method) + " " + path
				if !routes[key] {
					t.Errorf("the OpenAPI document names %s, which no route serves", key)
				}
			}
		}
		// Every schema reference resolves.
		for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(res.Body), -1) {
			if _, ok := doc.Components.Schemas[m[1]]; !ok {
				t.Errorf("dangling schema reference %s", m[1])
			}
		}
		for _, name := range []string{"Person", "PersonInput", "Department", "DepartmentInput", "RoleAssignment", "AssignmentInput", "TrailEntry", "TrailHead", "Me", "Role", "Error",
			"Asset", "AssetInput", "HandlingRule", "AssetWarning", "AssetImportReport", "AssetImportProblem", "AssetImportRow",
			"DocumentWithText", "DocumentListItem", "DocumentInput", "DocumentSettingsInput", "DocumentVersion", "DocumentDraftInput", "DocumentComparison", "Clause"} {
			if _, ok := doc.Components.Schemas[name]; !ok {
				t.Errorf("schema %s missing", name)
			}
		}
	})
}
