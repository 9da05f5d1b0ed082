package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mamori/internal/db"
	"mamori/internal/validate"
)

// Page sizes of every list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// list is the shape of every list response.
type list[T any] struct {
	Items []T `json:"items"`
	// NextCursor is passed as ?cursor= for the next page; empty on the last.
	NextCursor string `json:"next_cursor"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}

// paging reads ?limit= (1–200, default 50) and ?cursor=.
func paging(r *http.Request) (limit int, cursor string, err error) {
	limit = DefaultLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return 0, "", invalidQuery("limit", "error.out_of_range", 1, MaxLimit)
		}
		limit = n
	}
	cursor, err = queryText(r, "cursor", 200)
	if err != nil {
		return 0, "", invalidQuery("cursor", "error.invalid_cursor")
	}
	return limit, cursor, nil
}

// queryText reads a text parameter with the same rules as a text field.
func queryText(r *http.Request, name string, max int) (string, error) {
	e := validate.Errors{}
	v := e.Text(name, r.URL.Query().Get(name), false, max, false)
	return v, e.Err()
}

// queryID reads an optional id parameter; 0 when absent.
func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, ok := parseID(v)
	if !ok {
		return 0, invalidQuery(name, "error.invalid_number")
	}
	return id, nil
}

// pathID parses an id in the path; anything else is a 404, never a 500.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, ok := parseID(v)
	if !ok {
		return 0, fmt.Errorf("path %s=%q: %w", name, clip(v, 40), db.ErrNotFound)
	}
	return id, nil
}

func parseID(v string) (int64, bool) {
	if v == "" || len(v) > 19 || strings.Trim(v, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}
