// Package validate owns the checks every form and API field goes through and
// the shape of their result: field name → message key (with arguments), so
// the web UI shows the message beside the field in the reader's language and
// the API returns the same keys in its error body.
package validate

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problem is one field's error: a message key and its arguments.
type Problem struct {
	Key  string
	Args []any
}

// Errors maps field names to their first problem.
type Errors map[string]Problem

// Error lists the fields, so a validation failure still reads well in logs.
func (e Errors) Error() string {
	var b strings.Builder
	b.WriteString("invalid input:")
	for f, p := range e {
		fmt.Fprintf(&b, " %s=%s", f, p.Key)
	}
	return b.String()
}

// Add records a problem unless the field already has one.
func (e Errors) Add(field, key string, args ...any) {
	if _, ok := e[field]; !ok {
		e[field] = Problem{Key: key, Args: args}
	}
}

// Err returns nil when there are no problems, so callers can return it.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Text checks a text field: valid UTF-8, no control characters other than
// newlines and tabs when multiline, at most max characters, and present
// when required. It returns the value with surrounding space trimmed.
func (e Errors) Text(field, value string, required bool, max int, multiline bool) string {
	if !utf8.ValidString(value) {
		e.Add(field, "error.invalid_utf8")
		return value
	}
	v := strings.TrimSpace(value)
	if required && v == "" {
		e.Add(field, "error.required")
		return v
	}
	if utf8.RuneCountInString(v) > max {
		e.Add(field, "error.too_long", max)
		return v
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			e.Add(field, "error.control_character")
			return v
		}
	}
	return v
}

// Choice checks that value is one of the allowed values.
func (e Errors) Choice(field, value string, required bool, allowed ...string) string {
	if value == "" {
		if required {
			e.Add(field, "error.required")
		}
		return value
	}
	for _, a := range allowed {
		if value == a {
			return value
		}
	}
	e.Add(field, "error.invalid_choice")
	return value
}

// FieldError is an error of another package that concerns one input field
// (a password rule, say); As turns it into Errors so every edge shows it
// the same way.
type FieldError interface {
	error
	FieldKey() (field, key string)
}

// As extracts field problems from err, whether it is Errors or a
// FieldError somewhere in its chain.
func As(err error) (Errors, bool) {
	var ve Errors
	if errors.As(err, &ve) {
		return ve, true
	}
	var fe FieldError
	if errors.As(err, &fe) {
		f, k := fe.FieldKey()
		return Errors{f: {Key: k}}, true
	}
	return nil, false
}
