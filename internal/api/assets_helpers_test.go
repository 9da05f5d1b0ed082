package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
)

// ciso is a principal that may register assets anywhere, for setting up.
var ciso = authz.Principal{PersonID: 1, Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}

var assetSeq atomic.Int64

// newAsset registers an asset of a department owned by a person.
func (e *env) newAsset(t *testing.T, in asset.Input) asset.Asset {
	t.Helper()
	if in.Name == "" {
		in.Name = fmt.Sprintf("台帳テスト資産 %d", assetSeq.Add(1))
	}
	if in.Kind == "" {
		in.Kind = "information"
	}
	for _, f := range []*string{&in.Confidentiality, &in.Integrity, &in.Availability} {
		if *f == "" {
			*f = "1"
		}
	}
	var a asset.Asset
	e.tx(t, func(tx *db.Tx) (err error) {
		a, err = asset.Create(context.Background(), tx, e.sc, ciso, in)
		return err
	})
	return a
}

// upload is a multipart/form-data body with a file in the field "file".
type upload struct {
	data        []byte
	contentType string
}

func uploadOf(name string, content []byte) upload {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", name)
	if err == nil {
		_, err = fw.Write(content)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		panic(err) // writing to memory
	}
	return upload{data: b.Bytes(), contentType: mw.FormDataContentType()}
}

// formWithout is a multipart body without a file.
func formWithout() upload {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.WriteField("note", "no file"); err != nil {
		panic(err)
	}
	if err := mw.Close(); err != nil {
		panic(err)
	}
	return upload{data: b.Bytes(), contentType: mw.FormDataContentType()}
}

// send is do for every kind of request: a body of type upload goes as
// multipart/form-data, and a file in the answer (an export) is taken as
// it is; anything else must be JSON.
func (e *env) send(t *testing.T, q req) response {
	t.Helper()
	if u, ok := q.Body.(upload); ok {
		q.Body, q.ContentType = u.data, u.contentType
	}
	var body io.Reader
	switch b := q.Body.(type) {
	case []byte:
		body = bytes.NewReader(b)
	case nil:
	default:
		return e.do(t, q)
	}
	r := httptest.NewRequest(q.Method, q.Path, body)
	r.RemoteAddr = "192.0.2.10:4321"
	if q.ContentType != "" {
		r.Header.Set("Content-Type", q.ContentType)
	}
	if q.Token != "" {
		r.Header.Set("Authorization", "Bearer "+q.Token)
	}
	for k, v := range q.Header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	ct := res.Header.Get("Content-Type")
	file := strings.HasPrefix(ct, "text/csv") || strings.HasPrefix(ct, "application/vnd.openxmlformats")
	if res.StatusCode != http.StatusNoContent && !file && ct != "application/json; charset=utf-8" {
		t.Errorf("%s %s: Content-Type %q", q.Method, q.Path, ct)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// assetRowsCSV is a register file in UTF-8 registering one asset of a
// department owned by a person.
func assetRowsCSV(dept string, owner int64) []byte {
	return []byte("名称,種別,所属,管理責任者,機密性,完全性,可用性\r\n" +
		fmt.Sprintf("取込テスト %d,情報,%s,#%d,2,1,1\r\n", assetSeq.Add(1), dept, owner))
}
