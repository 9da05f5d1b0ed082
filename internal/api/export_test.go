package api

import (
	"errors"

	"mamori/internal/httpx"
)

// DecodeBody exposes the JSON body decoder to the fuzz test.
var DecodeBody = decodeBody

// ErrorStatus is the status and code the error adapter gives an error.
func ErrorStatus(err error) (int, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.code
	}
	return httpx.Status(err)
}
