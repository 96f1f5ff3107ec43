package ctrl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/sirupsen/logrus"

	"chatroom/service"
)

// This file owns the server API's JSON: reading a request's body (JSON
// only, at most apiMaxBody bytes, no unknown field, one value) and writing
// answers and errors ({"error": "words"}) with the status that fits.

// apiMaxBody is the largest request body the API reads, in bytes.
const apiMaxBody = 64 << 10

// An apiError is an answer other than 200: its status and its words.
type apiError struct {
	status int
	text   string
}

func (e *apiError) Error() string { return e.text }

// apiErrorf is an apiError with status and formatted words.
func apiErrorf(status int, format string, args ...any) error {
	return &apiError{status: status, text: fmt.Sprintf(format, args...)}
}

// writeJSON writes v as the JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // every answer is made of plain values: cannot happen
		status, body = http.StatusInternalServerError, []byte(`{"error":"the answer could not be written as JSON"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// apiErrorBody is every error's JSON.
type apiErrorBody struct {
	Error string `json:"error"`
}

// writeJSONError writes {"error": text} with status.
func writeJSONError(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, apiErrorBody{Error: text})
}

// writeError answers err with the status that fits it: an apiError's own;
// a hub's refusal's (refusalStatus); 404 for a talk that is not kept; 503
// when the request's time ran out; else 500. The words are the error's.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var ref *service.Refusal
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &ae):
		status = ae.status
	case errors.As(err, &ref):
		status = refusalStatus(ref.Reason)
	case errors.Is(err, service.ErrNoSuchTalk):
		status = http.StatusNotFound
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		status = http.StatusServiceUnavailable
	}
	if status >= 500 {
		a.log.WithFields(logrus.Fields{"method": r.Method, "path": clip(r.URL.Path), "error": err}).Warn("server API: the request failed")
	}
	writeJSONError(w, status, err.Error())
}

// refusalStatus is the status of a hub's refusal: 404 for someone or
// something that is not there, 400 for a malformed name or query, 503 for
// a store that failed, 403 for a rule that forbids it, else 422 (a
// request understood but refused).
func refusalStatus(r service.RefusalReason) int {
	switch r {
	case service.RefuseNotIn, service.RefuseNotOnline, service.RefuseNoSuchUser, service.RefuseNoSuchMessage:
		return http.StatusNotFound
	case service.RefuseRoomName, service.RefuseBadList, service.RefuseSearch:
		return http.StatusBadRequest
	case service.RefuseHistoryFailed, service.RefuseNotStored, service.RefuseNoHistory:
		return http.StatusServiceUnavailable
	case service.RefuseRoomDenied, service.RefuseNotAllowed:
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

// decodeBody reads r's JSON body into v. A body is needed unless
// optional; it must be application/json, at most apiMaxBody bytes, one
// value of v's fields only.
func decodeBody(r *http.Request, v any, optional bool) error {
	if r.ContentLength == 0 {
		if optional {
			return nil
		}
		return apiErrorf(http.StatusBadRequest, "a JSON body is needed")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return apiErrorf(http.StatusUnsupportedMediaType, "the body must be JSON, sent with Content-Type: application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, apiMaxBody)) // nil: net/http drains or closes what is left
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apiErrorf(http.StatusRequestEntityTooLarge, "the body is over %d bytes", apiMaxBody)
	case err != nil:
		return apiErrorf(http.StatusBadRequest, "the body could not be read: %v", err)
	case len(bytes.TrimSpace(raw)) == 0 && optional:
		return nil
	case len(bytes.TrimSpace(raw)) == 0:
		return apiErrorf(http.StatusBadRequest, "a JSON body is needed")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiErrorf(http.StatusBadRequest, "the body is not the JSON this endpoint takes: %s", clipTo(jsonWords(err), 200))
	}
	if _, err := dec.Token(); err != io.EOF {
		return apiErrorf(http.StatusBadRequest, "the body must be one JSON object, with nothing after it")
	}
	return nil
}

// jsonWords says what json could not decode in the API's words: a value of
// the wrong type names its key and the type it needs, not the server's Go
// types ("content must be a string, not a number").
func jsonWords(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	if te.Field == "" {
		return "the body must be a JSON object, not " + withArticle(te.Value)
	}
	return fmt.Sprintf("%s must be %s, not %s", te.Field, jsonKind(te.Type), withArticle(te.Value))
}

// jsonKind names the JSON a value of type t is read from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// withArticle puts "a" or "an" before json's name of a value ("number",
// "array", "object", "string", "bool"); a number json quotes ("number
// 1.5") is itself.
func withArticle(value string) string {
	if n, ok := strings.CutPrefix(value, "number "); ok {
		return n
	}
	if strings.HasPrefix(value, "a") || strings.HasPrefix(value, "o") {
		return "an " + value
	}
	return "a " + value
}
